import { parentPort, workerData } from "node:worker_threads";
import { linkBase } from "../config.ts";
import { openStore } from "../store/open.ts";
import type { FromThread, ThreadSpec, ToThread } from "./confirmation-thread.ts";
import { ConfirmationMailer } from "./confirmations.ts";
import { prepareConfirmation } from "./message.ts";
import { createOutboxTransport, createSmtpTransport, type Transport } from "./transport.ts";

// The confirmation mailer's own thread (started by confirmation-thread.ts):
// its own event loop, store connection and transport, so that a rush of
// requests on the server's loop never holds a mail up between its steps.

const spec = (workerData as { spec: ThreadSpec }).spec;
const port = parentPort!;
const post = (message: FromThread) => port.postMessage(message);
const BACKLOG_REPORT_MS = 1000;

async function run(): Promise<void> {
  const { config } = spec;
  let listening = spec.listening;
  // The server keeps its own pool: a few connections are plenty for claims and outcomes.
  const store = await openStore(spec.root, { ...config, DATABASE_POOL_SIZE: Math.min(4, config.DATABASE_POOL_SIZE) });
  let transport: Transport;
  try {
    transport = config.SMTP_URL ? await createSmtpTransport(config) : createOutboxTransport(spec.outboxDir);
    // A thread before this one (stopped by a crash) may have left claims under this name.
    await store.releaseConfirmations(spec.server);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  const mailer = new ConfirmationMailer({
    message: prepareConfirmation({ ...spec.confirmation, newsletter: spec.newsletter, date: new Date() }),
    transport,
    store,
    secret: Buffer.from(spec.secret),
    newsletter: spec.newsletter,
    ttlMs: config.GAZETTE_CONFIRM_HOURS * 3600_000,
    retry: { attempts: 3, baseDelayMs: config.GAZETTE_RETRY_BASE_MS, maxDelayMs: config.GAZETTE_RETRY_BASE_MS * 30 },
    linkBase: () => linkBase(config, spec.newsletter.base_url, listening),
    inFlight: config.SMTP_URL ? config.SMTP_POOL_SIZE : 16,
    server: spec.server,
    now: () => new Date(),
    onError: (err, mail) =>
      post({ type: "error", text: mail ? `confirmation mail to ${mail.subscriber.email} failed: ${err.message}` : `cannot read the confirmation-mail queue: ${err.message}` }),
  });
  port.on("message", (message: ToThread) => {
    switch (message.type) {
      case "wake":
        mailer.wake();
        break;
      case "listening":
        listening = message.address;
        break;
      case "drain":
        void mailer.drain().then(() => post({ type: "drained", id: message.id }));
        break;
      case "close":
        void mailer
          .close()
          .then(() => store.close())
          .catch((err: Error) => post({ type: "error", text: `closing the confirmation mailer: ${err.message}` }))
          .finally(() => {
            post({ type: "closed" });
            port.close();
          });
        break;
    }
  });
  // How far behind the signups the mails go out, for the server's POST /subscribe (see ConfirmationThread.behind).
  setInterval(() => post({ type: "backlog", ms: mailer.backlogMs() }), BACKLOG_REPORT_MS).unref();
  post({ type: "ready", description: mailer.description });
  mailer.wake(); // mails left queued when the server last stopped
}

run().catch((err: Error) => {
  post({ type: "failed", message: err.message });
  port.close();
});
