import { readFile } from "node:fs/promises";
import path from "node:path";
import { startInboundSmtp } from "../src/feedback/inbound-smtp.ts";
import { createApp } from "../src/server/app.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";

// The feedback bench's server, as a process of its own (so the load
// generator does not share its event loop): the real app with the SES
// webhook and the real inbound SMTP listener over a SQLite file of
// BENCH_READERS subscribers. The SNS certificate comes from a file (the
// bench made it), through the same injected fetcher the tests use.
// Prints one JSON line with its addresses once listening.

const [dir, certFile, topic, readers] = process.argv.slice(2) as [string, string, string, string];
const store = new SqliteStore(path.join(dir, "data/gazette.sqlite"));
await store.importSubscribers(Array.from({ length: Number(readers) }, (_, i) => ({ email: `reader${i + 1}@example.org` })));
const intake = { store: store.feedback, secret: Buffer.from("bench-feedback-secret"), policy: { softBounceLimit: 3 }, now: () => new Date() };
const cert = await readFile(certFile, "utf8");
const app = await createApp({ distDir: dir, webhooks: { intake, ses: { topicArns: [topic], fetchText: async () => cert } } });
const http = await app.listen({ port: 0, host: "127.0.0.1" });
const smtp = await startInboundSmtp({ intake, host: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ http, smtp: smtp.address }));
process.once("SIGTERM", () => {
  void Promise.all([app.close(), smtp.close()]).then(() => {
    void store.close().then(() => process.exit(0));
  });
});
