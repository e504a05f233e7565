import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import type { EmailMeta } from "../src/build/emails.ts";
import { loadContent } from "../src/content/load.ts";
import { findPlaceholders } from "../src/render/email/placeholders.ts";
import { messageIdFor, runCampaign, type CampaignOptions } from "../src/send/campaign.ts";
import { prepareMessage } from "../src/send/message.ts";
import { readSecret, verifyToken } from "../src/send/tokens.ts";
import { createOutboxTransport, createSmtpTransport } from "../src/send/transport.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { makeProject, REPO } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A built issue 36 project with subscribers in data/gazette.sqlite. */
async function project(subscribers: { email: string; status?: "pending" | "confirmed" | "unsubscribed" | "bounced" }[]) {
  const root = await makeProject("issue-36");
  await build({ root });
  const store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
  for (const s of subscribers) await store.addSubscriber({ email: s.email, status: s.status ?? "confirmed" });
  const { newsletter } = await loadContent(root);
  const dir = path.join(root, "dist/emails");
  const meta = JSON.parse(await readFile(path.join(dir, "36.json"), "utf8")) as EmailMeta;
  const message = prepareMessage({ meta, html: await readFile(path.join(dir, "36.html"), "utf8"), text: await readFile(path.join(dir, "36.txt"), "utf8"), newsletter, date: new Date("2022-01-17T01:00:00Z") });
  const secret = readSecret(path.join(root, "data"));
  return { root, store, newsletter, message, secret, meta };
}

type Project = Awaited<ReturnType<typeof project>>;

async function campaign(p: Project, smtpUrl: string, extra: Partial<CampaignOptions> = {}) {
  const transport = await createSmtpTransport({ SMTP_URL: smtpUrl, SMTP_POOL_SIZE: 2, SMTP_RATE: 0, DKIM_DOMAIN: undefined, DKIM_SELECTOR: undefined, DKIM_KEY_FILE: undefined });
  try {
    await p.store.startCampaign(36, { resendUncertain: false });
    return await runCampaign({
      issue: 36,
      newsletter: p.newsletter,
      store: p.store,
      transport,
      message: p.message,
      secret: p.secret,
      concurrency: 2,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 50 },
      ...extra,
    });
  } finally {
    await transport.close();
  }
}

const readers = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `reader${i + 1}@example.org` }));

describe("sending over SMTP", () => {
  it("delivers a multipart message with the list headers and a verifiable unsubscribe token, to confirmed subscribers only", async () => {
    const smtp = await startSmtpServer();
    servers.push(smtp);
    const p = await project([...readers(3), { email: "pending@example.org", status: "pending" }, { email: "gone@example.org", status: "unsubscribed" }, { email: "bounced@example.org", status: "bounced" }]);
    const report = await campaign(p, smtp.url);
    expect(report).toMatchObject({ sent: 3, failed: 0, skipped: 0, total: 3 });
    expect([...smtp.countsByRecipient().keys()].sort()).toEqual(["reader1@example.org", "reader2@example.org", "reader3@example.org"]);

    const first = smtp.accepted.find((m) => m.to[0] === "reader1@example.org")!;
    const mail = await simpleParser(first.raw);
    const subscriber = (await p.store.findSubscriber("reader1@example.org"))!;
    expect(mail.from?.text).toBe('"预训练周刊" <weekly@pretraining-weekly.example.org>');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : "").toBe("reader1@example.org");
    expect(mail.subject).toBe("《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax");
    expect(mail.messageId).toBe(messageIdFor({ issue: 36, newsletter: p.newsletter, secret: p.secret }, subscriber));
    expect(first.raw.toString()).toMatch(/Content-Type: multipart\/alternative;[\s\S]*Content-Type: text\/plain; charset=utf-8[\s\S]*Content-Type: text\/html; charset=utf-8/);
    expect(mail.text).toContain("你收到这封邮件，是因为 reader1@example.org 订阅了《预训练周刊》。");
    expect(mail.html).toContain("是因为 reader1@example.org 订阅了");
    expect(findPlaceholders(`${mail.text}${mail.html}`)).toEqual([]);
    expect(mail.headerLines.find((h) => h.key === "list-unsubscribe-post")?.line).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    const list = mail.headers.get("list") as { unsubscribe: { url: string; mail: string }; id: { id: string; name: string } };
    expect(list.id.id).toBe("weekly.pretraining-weekly.example.org");
    expect(list.unsubscribe.mail).toMatch(/^weekly@pretraining-weekly\.example\.org\?subject=unsubscribe%20\d+\./);
    const token = /\/unsubscribe\/([^/?#]+)$/.exec(list.unsubscribe.url)![1]!;
    expect(list.unsubscribe.url.startsWith("https://pretraining-weekly.example.org/unsubscribe/")).toBe(true);
    expect(mail.html).toContain(`href="${list.unsubscribe.url}"`);
    const emailOf = async (id: number) => (await p.store.getSubscriber(id))?.email;
    expect(await verifyToken(p.secret, "unsubscribe", token, emailOf)).toBe(subscriber.id);
    expect(await verifyToken(p.secret, "unsubscribe", token.replace(/.$/, (c) => (c === "A" ? "B" : "A")), emailOf)).toBeUndefined();
    expect(await verifyToken(Buffer.from("another secret"), "unsubscribe", token, emailOf)).toBeUndefined();
    expect(await verifyToken(p.secret, "unsubscribe", token.replace(/^\d+/, "2"), emailOf)).toBeUndefined();

    // A second run sends nothing.
    expect(await campaign(p, smtp.url)).toMatchObject({ sent: 0, total: 0 });
    expect(smtp.accepted).toHaveLength(3);
    await p.store.close();
  });

  it.each([
    ["a wrong password", { login: { user: "gazette", pass: "right" } }, "smtp://gazette:wrong@", "535 5.7.8"],
    ["a refused sender address", { onMailFrom: () => ({ code: 550, message: "5.1.8 <weekly@pretraining-weekly.example.org>: Sender address rejected: Domain does not exist" }) }, "smtp://", "550 5.1.8"],
  ] as const)("stops at %s without charging it to any reader: nobody rejected or bounced, a rerun sends", async (_name, behaviour, scheme, reason) => {
    const smtp = await startSmtpServer(behaviour);
    servers.push(smtp);
    const p = await project(readers(6));
    const report = await campaign(p, smtp.url.replace("smtp://", scheme));
    expect(report.relayRefused).toMatch(new RegExp(`^${reason}: `));
    expect(report).toMatchObject({ sent: 0, failed: 0, bounced: 0 });
    expect(await p.store.countSubscribers("confirmed")).toBe(6);
    // Only the messages already in flight were tried, and they stay owed; the rest were never begun.
    const tried = (await p.store.deliveries(36)).filter((d) => d.attempts > 0);
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.length).toBeLessThanOrEqual(2);
    expect(tried.every((d) => d.state === "deferred")).toBe(true);
    expect((await p.store.deliveries(36)).filter((d) => d.attempts === 0).every((d) => d.state === "queued")).toBe(true);
    const fixed = await startSmtpServer();
    servers.push(fixed);
    expect(await campaign(p, fixed.url)).toMatchObject({ sent: 6, failed: 0 });
    await p.store.close();
  });

  it("escapes the reader's address in the HTML part, and only there", async () => {
    const smtp = await startSmtpServer();
    servers.push(smtp);
    const p = await project([{ email: "o'brien&co@example.org" }]);
    expect(await campaign(p, smtp.url)).toMatchObject({ sent: 1 });
    const raw = smtp.accepted[0]!.raw.toString();
    const html = raw.slice(raw.indexOf("Content-Type: text/html"));
    const text = raw.slice(raw.indexOf("Content-Type: text/plain"), raw.indexOf("Content-Type: text/html"));
    const mail = await simpleParser(smtp.accepted[0]!.raw);
    expect(mail.html).toContain("是因为 o&#39;brien&amp;co@example.org 订阅了");
    expect(mail.text).toContain("是因为 o'brien&co@example.org 订阅了");
    expect(html).not.toMatch(/o'brien&co/);
    expect(text).toMatch(/o'brien&co/);
    await p.store.close();
  });

  it("retries a 451 with backoff and delivers once", async () => {
    const smtp = await startSmtpServer({ onRcpt: (address, attempt) => (address === "reader2@example.org" && attempt <= 2 ? { code: 451, message: "4.7.1 try again later" } : undefined) });
    servers.push(smtp);
    const p = await project(readers(3));
    const report = await campaign(p, smtp.url);
    expect(report).toMatchObject({ sent: 3, failed: 0 });
    expect(smtp.countsByRecipient().get("reader2@example.org")).toBe(1);
    expect(smtp.rcptAttempts.get("reader2@example.org")).toBe(3);
    expect((await p.store.deliveries(36)).find((d) => d.email === "reader2@example.org")).toMatchObject({ state: "accepted", attempts: 3 });
    await p.store.close();
  });

  it("records a 550 unknown user once, never retries it, and marks the subscriber bounced", async () => {
    const smtp = await startSmtpServer({ onRcpt: (address) => (address === "nobody@example.org" ? { code: 550, message: "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown" } : undefined) });
    servers.push(smtp);
    const p = await project([...readers(2), { email: "nobody@example.org" }]);
    const report = await campaign(p, smtp.url);
    expect(report).toMatchObject({ sent: 2, failed: 1, bounced: 1, failures: { "550 5.1.1": 1 } });
    expect(smtp.rcptAttempts.get("nobody@example.org")).toBe(1);
    expect((await p.store.findSubscriber("nobody@example.org"))!.status).toBe("bounced");
    expect((await p.store.deliveries(36, "rejected")).map((d) => d.email)).toEqual(["nobody@example.org"]);
    expect(await campaign(p, smtp.url)).toMatchObject({ sent: 0, total: 0 });
    expect(smtp.rcptAttempts.get("nobody@example.org")).toBe(1);
    await p.store.close();
  });

  it("retries a connection dropped in the middle of a message", async () => {
    const smtp = await startSmtpServer({ onData: (to, attempt) => (to[0] === "reader1@example.org" && attempt === 1 ? "drop" : "accept") });
    servers.push(smtp);
    const p = await project(readers(2));
    const report = await campaign(p, smtp.url);
    expect(report).toMatchObject({ sent: 2, failed: 0 });
    expect(smtp.countsByRecipient().get("reader1@example.org")).toBe(1);
    expect((await p.store.deliveries(36)).find((d) => d.email === "reader1@example.org")!.attempts).toBe(2);
    await p.store.close();
  });

  it("sends nothing more to someone who unsubscribes while the send is running", async () => {
    let p: Project;
    const smtp = await startSmtpServer({
      onData: (to) => {
        // SQLite writes before the promise is returned, so this lands before the next message starts.
        if (to[0] === "reader1@example.org") void p.store.setStatus(reader3, "unsubscribed");
        return "accept";
      },
    });
    servers.push(smtp);
    p = await project(readers(3));
    const reader3 = (await p.store.findSubscriber("reader3@example.org"))!.id;
    const report = await campaign(p, smtp.url, { concurrency: 1 });
    expect(report).toMatchObject({ sent: 2, skipped: 1 });
    expect(smtp.countsByRecipient().has("reader3@example.org")).toBe(false);
    await p.store.close();
  });

  it("goes on, and records every outcome, when a subscriber is removed while the send is running", async () => {
    let p: Project;
    const smtp = await startSmtpServer({
      onData: (to) => {
        if (to[0] === "reader1@example.org") void p.store.removeSubscriber("reader2@example.org");
        return "accept";
      },
    });
    servers.push(smtp);
    p = await project(readers(3));
    const report = await campaign(p, smtp.url, { concurrency: 1 });
    expect(report).toMatchObject({ sent: 2, skipped: 1, failed: 0 });
    expect([...smtp.countsByRecipient().keys()].sort()).toEqual(["reader1@example.org", "reader3@example.org"]);
    expect((await p.store.deliveries(36)).map((d) => [d.email, d.state])).toEqual([
      ["reader1@example.org", "accepted"],
      ["reader3@example.org", "accepted"],
    ]);
    await p.store.close();
  });

  it("signs with DKIM when configured", async () => {
    const smtp = await startSmtpServer();
    servers.push(smtp);
    const p = await project(readers(1));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const keyFile = path.join(p.root, "data/dkim.pem");
    await writeFile(keyFile, privateKey);
    const transport = await createSmtpTransport({ SMTP_URL: smtp.url, SMTP_POOL_SIZE: 1, SMTP_RATE: 0, DKIM_DOMAIN: "pretraining-weekly.example.org", DKIM_SELECTOR: "gazette", DKIM_KEY_FILE: keyFile });
    await p.store.startCampaign(36, { resendUncertain: false });
    await runCampaign({ issue: 36, newsletter: p.newsletter, store: p.store, transport, message: p.message, secret: p.secret, concurrency: 1, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await transport.close();
    expect(smtp.accepted[0]!.raw.toString()).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;\s+d=pretraining-weekly\.example\.org;[\s\S]*s=gazette;/);
    expect(transport.description).toContain("DKIM gazette._domainkey.pretraining-weekly.example.org");
    await p.store.close();
  });

  it("writes .eml files to the outbox when there is no SMTP relay", async () => {
    const p = await project(readers(2));
    const outbox = path.join(p.root, "data/outbox/36");
    await p.store.startCampaign(36, { resendUncertain: false });
    const report = await runCampaign({ issue: 36, newsletter: p.newsletter, store: p.store, transport: createOutboxTransport(outbox), message: p.message, secret: p.secret, concurrency: 2, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    expect(report.sent).toBe(2);
    const files = (await readdir(outbox)).sort();
    expect(files).toEqual(["00000001.eml", "00000002.eml"]);
    const mail = await simpleParser(await readFile(path.join(outbox, files[0]!)));
    expect(mail.subject).toBe("《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax");
    expect(mail.text).toContain("reader1@example.org");
    await p.store.close();
  });
});

describe("gazette send, killed and rerun", () => {
  function send(root: string, smtpUrl: string, args: string[] = []) {
    return spawn(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36", "--yes", ...args], {
      cwd: root,
      env: { ...process.env, SMTP_URL: smtpUrl, SMTP_POOL_SIZE: "2", GAZETTE_RETRY_BASE_MS: "5" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }
  /** Sends `signal` to the child as soon as `ready()` holds (checked every 2 ms). */
  function signalWhen(child: ReturnType<typeof send>, ready: () => boolean, signal: NodeJS.Signals): Promise<void> {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (!ready()) return;
        clearInterval(timer);
        child.kill(signal);
        resolve();
      }, 2);
    });
  }
  function finish(child: ReturnType<typeof send>): Promise<{ code: number | null; out: string }> {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, out })));
  }

  it("loses nobody after SIGKILL: one accepted message each, apart from the reported uncertain ones", async () => {
    const smtp = await startSmtpServer({ delayMs: 15 });
    servers.push(smtp);
    const p = await project(readers(60));
    await p.store.close();
    const child = send(p.root, smtp.url);
    const done = finish(child);
    await signalWhen(child, () => smtp.accepted.length >= 20, "SIGKILL");
    expect((await done).code).toBeNull();

    const rerun = await finish(send(p.root, smtp.url));
    const store = new SqliteStore(path.join(p.root, "data/gazette.sqlite"));
    const uncertain = new Set((await store.deliveries(36, "uncertain")).map((d) => d.email));
    // Not finished while any are uncertain: 75, as for deferred ones.
    expect(rerun.code).toBe(uncertain.size > 0 ? 75 : 0);
    expect(uncertain.size).toBeLessThanOrEqual(2); // at most the messages in flight: one per connection
    // Said before asking, in the summary of what is owed, as well as in the report.
    if (uncertain.size > 0) expect(rerun.out).toContain(`; ${uncertain.size} uncertain, left alone`);
    const counts = smtp.countsByRecipient();
    for (const { email } of readers(60)) {
      if (uncertain.has(email)) expect(counts.get(email) ?? 0).toBeLessThanOrEqual(1);
      else expect(counts.get(email), email).toBe(1);
    }
    const before = smtp.accepted.length;
    const again = await finish(send(p.root, smtp.url));
    expect(again.out).toContain("nothing to send.");
    expect(smtp.accepted.length).toBe(before);
    // Only when asked are the uncertain ones sent again.
    const resent = await finish(send(p.root, smtp.url, ["--resend-uncertain"]));
    expect(resent.code).toBe(0);
    expect(smtp.accepted.length).toBe(before + uncertain.size);
    expect(await store.deliveries(36, "uncertain")).toEqual([]);
    await store.close();
  });

  it("stops on Ctrl-C after the messages in flight, records them, and says how to resume", async () => {
    const smtp = await startSmtpServer({ delayMs: 20 });
    servers.push(smtp);
    const p = await project(readers(40));
    await p.store.close();
    const child = send(p.root, smtp.url);
    const done = finish(child);
    await signalWhen(child, () => smtp.accepted.length >= 5, "SIGINT");
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.out).toContain("stopped before the end: run gazette send 36 to continue where it left off");
    const store = new SqliteStore(path.join(p.root, "data/gazette.sqlite"));
    expect(await store.deliveries(36, "sending")).toEqual([]);
    expect((await store.deliveries(36, "accepted")).length).toBe(smtp.accepted.length);
    await store.close();
    expect((await finish(send(p.root, smtp.url))).code).toBe(0);
    for (const { email } of readers(40)) expect(smtp.countsByRecipient().get(email), email).toBe(1);
  });

  it("--test sends one copy and records nothing; --dry-run sends nothing", async () => {
    const smtp = await startSmtpServer();
    servers.push(smtp);
    const p = await project(readers(2));
    await p.store.close();
    const test = await finish(send(p.root, smtp.url, ["--test", "Editor@Example.org"]));
    expect(test.out).toMatch(/^sent a test copy of #36 to editor@example\.org via SMTP relay 127\.0\.0\.1:\d+ \(2 connections\): 250 .*\nnothing was recorded\.\n$/);
    expect(smtp.accepted.map((m) => m.to)).toEqual([["editor@example.org"]]);
    const dry = await finish(send(p.root, smtp.url, ["--dry-run"]));
    expect(dry.out).toContain("recipients: 2 confirmed subscribers still to receive it");
    expect(dry.out).toContain("dry run: nothing was sent.");
    expect(smtp.accepted).toHaveLength(1);
    const store = new SqliteStore(path.join(p.root, "data/gazette.sqlite"));
    expect(await store.deliveries(36)).toEqual([]);
    await store.close();
  });

  it("says when there is no such issue, listing those there are", async () => {
    const result = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "99"], { cwd: REPO, encoding: "utf8" });
    expect(result.stderr).toBe("gazette: there is no issue 99: content/issues has issue 36\n");
    expect(result.status).toBe(1);
    const hostile = await makeProject("hostile", { "010-tenth.md": (await readFile(path.join(REPO, "content/issues/036.md"), "utf8")).replace("number: 36", "number: 10") });
    const many = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "7"], { cwd: hostile, encoding: "utf8" });
    expect(many.stderr).toBe("gazette: there is no issue 7: content/issues has issues 1-4, 10\n");
  });

  it("says to build when the issue exists but its email is not built", async () => {
    const root = await makeProject("issue-36");
    const result = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36", "--yes"], { cwd: root, encoding: "utf8" });
    expect(result.stderr).toBe("gazette: no built email for issue 36 in dist/emails: run gazette build first\n");
    expect(result.status).toBe(1);
  });

  it("counts those who already have it, in the singular for one", async () => {
    const p = await project(readers(1));
    await p.store.close();
    const { SMTP_URL: _unset, ...env } = process.env;
    const gazette = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36", ...args], { cwd: p.root, encoding: "utf8", env });
    expect(gazette("--yes").status).toBe(0);
    const store = new SqliteStore(path.join(p.root, "data/gazette.sqlite"));
    await store.addSubscriber({ email: "late@example.org", status: "confirmed" });
    await store.close();
    expect(gazette("--dry-run").stdout).toContain("recipients: 1 confirmed subscriber still to receive it (1 already has it)\n");
    expect(gazette("--yes").status).toBe(0);
    expect(gazette("--dry-run").stdout).toContain("recipients: 0 confirmed subscribers still to receive it (2 already have it)\n");
  });

  it("asks before sending, and refuses without --yes when there is no terminal to ask on", async () => {
    const p = await project(readers(2));
    await p.store.close();
    const result = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "send", "36"], { cwd: p.root, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    expect(result.stdout).toContain("recipients: 2 confirmed subscribers still to receive it");
    expect(result.stderr).toBe("gazette: not on a terminal: add --yes to send without being asked\n");
    expect(result.status).toBe(1);
    const store = new SqliteStore(path.join(p.root, "data/gazette.sqlite"));
    expect(await store.deliveries(36)).toEqual([]);
    await store.close();
    await expect(readdir(path.join(p.root, "data/outbox/36"))).rejects.toThrow();
  });
});
