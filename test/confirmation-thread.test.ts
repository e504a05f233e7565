import type { FastifyInstance } from "fastify";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { openSubscriptions, type Subscriptions } from "../src/cli/serve.ts";
import { readConfig } from "../src/config.ts";
import { createApp } from "../src/server/app.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/store.ts";
import { httpRequest } from "./helpers/http.ts";
import { createTestDatabase } from "./helpers/postgres.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

/**
 * gazette serve's confirmation mailer, which runs on a worker thread of its
 * own (src/send/confirmation-thread.ts), as `gazette serve` opens it: a
 * real SQLite file or PostgreSQL database, a real SMTP server whose
 * messages are parsed with mailparser, a real HTTP server on port 0.
 */
describe("the confirmation mailer's own thread", () => {
  let root: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let slow: Awaited<ReturnType<typeof startSmtpServer>>;
  const opened: { subscriptions: Subscriptions; app?: FastifyInstance }[] = [];
  const io = { out: () => {}, err: () => {} };
  let dataDirs = 0;

  beforeAll(async () => {
    root = await makeProject("issue-36");
    await build({ root });
    smtp = await startSmtpServer();
    // A relay that takes a while over each message: mails are in flight when the server stops.
    slow = await startSmtpServer({ delayMs: 150 });
  });
  afterEach(async () => {
    for (const { subscriptions, app } of opened.splice(0)) {
      await app?.close();
      await subscriptions.close();
    }
  });
  afterAll(async () => {
    await smtp.close();
    await slow.close();
  });

  /** Settings for one server: its own data folder (SQLite file, outbox) unless it shares a database. */
  function settings(env: Record<string, string | undefined> = {}) {
    return readConfig({ GAZETTE_SECRET: "thread-test", GAZETTE_SIGNUPS_PER_CLIENT: "100000", GAZETTE_DATA_DIR: `data-${dataDirs++}`, ...env });
  }

  async function open(config: ReturnType<typeof readConfig>, http = false) {
    const subscriptions = (await openSubscriptions(io, root, path.join(root, "dist"), config))!;
    const entry: (typeof opened)[number] = { subscriptions };
    opened.push(entry);
    if (!http) return { subscriptions, base: "" };
    entry.app = await createApp({ distDir: path.join(root, "dist"), subscriptions: subscriptions.deps });
    const base = await entry.app.listen({ port: 0, host: "127.0.0.1" });
    subscriptions.listening(base);
    return { subscriptions, base };
  }

  /** Stops a server opened by open() (as Ctrl-C does: HTTP first, then the mailer). */
  async function stop(subscriptions: Subscriptions) {
    const i = opened.findIndex((o) => o.subscriptions === subscriptions);
    const [entry] = opened.splice(i, 1);
    await entry!.app?.close();
    await subscriptions.close();
  }

  /** Signups queued straight into the store, as an earlier server (or another one) would leave them. */
  async function queueSignups(store: Store, count: number, prefix: string): Promise<string[]> {
    const addresses = Array.from({ length: count }, (_, i) => `${prefix}${i}@example.org`);
    for (const email of addresses) await store.requestSignup(email, { source: "web", now: new Date(), throttle: { minIntervalMs: 0, maxPerDay: 10 } });
    return addresses;
  }

  async function waitFor(done: () => boolean, what: string) {
    for (let i = 0; i < 1200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!done()) throw new Error(`still waiting for ${what} after 60 s`);
  }

  it("mails every reader of a burst of web signups once, each a working confirmation link, through a real SMTP server", async () => {
    const { subscriptions, base } = await open(settings({ SMTP_URL: smtp.url }), true);
    const addresses = Array.from({ length: 400 }, (_, i) => `burst${i}@example.org`);
    const post = (pathname: string, body: string) =>
      httpRequest(`${base}${pathname}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base }, body });
    // 40 readers at a time, as fast as the server answers.
    const queue = [...addresses];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        for (let email = queue.shift(); email; email = queue.shift()) expect((await post("/subscribe", `email=${encodeURIComponent(email)}&website=`)).status).toBe(200);
      }),
    );
    await waitFor(() => addresses.every((a) => smtp.countsByRecipient().has(a)), "400 confirmation mails");
    await subscriptions.deps.mailer!.drain();
    const counts = smtp.countsByRecipient();
    expect(addresses.filter((a) => counts.get(a) !== 1)).toEqual([]);

    const mails = await Promise.all(smtp.accepted.filter((m) => m.to[0]!.startsWith("burst")).map((m) => simpleParser(m.raw)));
    for (const mail of mails) {
      const to = (mail.to as { value: { address: string }[] }).value[0]!.address;
      // With a relay the links point at the newsletter's public site.
      expect(mail.text).toContain("https://pretraining-weekly.example.org/confirm/");
      expect(mail.html).toContain("https://pretraining-weekly.example.org/confirm/");
      expect(mail.messageId).toMatch(/^<confirm\.\d+\.[0-9a-f]+@/);
      expect(addresses).toContain(to);
    }
    // The link in one reader's mail confirms that reader.
    const mail = mails.find((m) => (m.to as { text: string }).text === "burst123@example.org")!;
    const token = /\/confirm\/([A-Za-z0-9._-]+)/.exec(mail.text!)![1]!;
    expect((await post(`/confirm/${token}`, "")).status).toBe(200);
    const reader = (await subscriptions.deps.store.findSubscriber("burst123@example.org"))!;
    expect(reader.status).toBe("confirmed");
    expect(await subscriptions.deps.store.confirmationMails(reader.id)).toMatchObject([{ state: "sent", detail: expect.stringContaining("250") }]);
  });

  it("sends a confirmation mail while the server's own event loop is kept busy", async () => {
    const config = settings();
    const { base } = await open(config, true);
    const res = await httpRequest(`${base}/subscribe`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base },
      body: "email=busy%40example.org&website=",
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); // the wake goes out
    // From here this thread never yields: nothing on its event loop runs until the mail is there.
    const outbox = path.join(root, config.GAZETTE_DATA_DIR, "outbox/confirm");
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const listed = () => {
      try {
        return readdirSync(outbox).filter((f) => f.endsWith(".eml"));
      } catch {
        return [];
      }
    };
    const started = Date.now();
    while (listed().length === 0 && Date.now() - started < 15_000) Atomics.wait(pause, 0, 0, 20);
    expect(listed()).toHaveLength(1);
    const mail = await simpleParser(readFileSync(path.join(outbox, listed()[0]!)));
    expect((mail.to as { text: string }).text).toBe("busy@example.org");
    expect(mail.text).toContain(`${base}/confirm/`);
  });

  it("stopping the server while mails are in flight loses none and sends none twice: the next start sends the rest", async () => {
    const config = settings({ SMTP_URL: slow.url, SMTP_POOL_SIZE: "4" });
    const earlier = await openStore(root, config);
    const addresses = await queueSignups(earlier, 60, "stop");
    await earlier.close();

    const first = await open(config);
    await waitFor(() => slow.accepted.length >= 4, "the first mails");
    await stop(first.subscriptions);
    const sentBefore = slow.accepted.length;
    expect(sentBefore).toBeLessThan(60);

    // Every mail the relay took is recorded as sent; every other one is back in the queue, claimable at once.
    const store = await openStore(root, config);
    const states = await Promise.all(addresses.map(async (email) => (await store.confirmationMails((await store.findSubscriber(email))!.id))[0]!.state));
    expect(states.filter((s) => s === "sent")).toHaveLength(sentBefore);
    expect(states.filter((s) => s === "queued")).toHaveLength(60 - sentBefore);
    const claimable = await store.claimConfirmations("probe", 100, 60_000);
    expect(claimable).toHaveLength(60 - sentBefore);
    await store.releaseConfirmations("probe");
    await store.close();

    const second = await open(config);
    await waitFor(() => slow.accepted.length >= 60, "the rest of the mails");
    await second.subscriptions.deps.mailer!.drain();
    const counts = slow.countsByRecipient();
    expect(addresses.filter((a) => counts.get(a) !== 1)).toEqual([]);
    expect(slow.accepted).toHaveLength(60);
  });

  it("while the mails run further behind the signups than GAZETTE_CONFIRM_BACKLOG_SECONDS, refuses signups with 503 and Retry-After, storing nothing; takes them again once caught up", async () => {
    // One connection to a relay that takes 150 ms a message: 6 mails a second, far slower than the rush queued here.
    const config = settings({ SMTP_URL: slow.url, SMTP_POOL_SIZE: "1", GAZETTE_CONFIRM_BACKLOG_SECONDS: "1" });
    const earlier = await openStore(root, config);
    await queueSignups(earlier, 40, "rush");
    await earlier.close();
    const { subscriptions, base } = await open(config, true);
    const mailer = subscriptions.deps.mailer!;
    const subscribe = (email: string) =>
      httpRequest(`${base}/subscribe`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base }, body: `email=${encodeURIComponent(email)}&website=` });
    await waitFor(() => mailer.behind() !== undefined, "the mailer to fall a second behind");

    const refused = await subscribe("late@example.org");
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(refused.body).toContain("现在订阅的人很多，确认邮件一时发不过来。请过一分钟再试");
    expect(refused.body).toContain('value="late@example.org"');
    expect(await subscriptions.deps.store.findSubscriber("late@example.org")).toBeUndefined();

    await mailer.drain();
    await waitFor(() => mailer.behind() === undefined, "the mailer to catch up");
    expect((await subscribe("late@example.org")).status).toBe(200);
    await waitFor(() => slow.countsByRecipient().get("late@example.org") === 1, "the mail to late@example.org");
  });

  for (const backend of ["SQLite", "PostgreSQL"] as const) {
    it(`two servers on one ${backend} database, each with its mailer's thread, send each queued mail once`, async () => {
      const shared = backend === "PostgreSQL" ? { DATABASE_URL: await createTestDatabase() } : { GAZETTE_DATA_DIR: `data-${dataDirs++}` };
      const config = settings({ SMTP_URL: smtp.url, ...shared });
      const prefix = `two-${backend.toLowerCase()}-`;
      const store = await openStore(root, config);
      const addresses = await queueSignups(store, 150, prefix);
      const [a, b] = [await open(config), await open(config)];
      // Both look at the queue at start; the two drains end once neither finds a mail it could send.
      await Promise.all([a.subscriptions.deps.mailer!.drain(), b.subscriptions.deps.mailer!.drain()]);
      await waitFor(() => addresses.every((x) => smtp.countsByRecipient().has(x)), "150 mails");
      const counts = smtp.countsByRecipient();
      expect(addresses.filter((x) => counts.get(x) !== 1)).toEqual([]);
      for (const email of addresses.slice(0, 20)) expect(await store.confirmationMails((await store.findSubscriber(email))!.id)).toMatchObject([{ state: "sent" }]);
      await store.close();
    });
  }
});
