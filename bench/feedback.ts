import { execFileSync, spawn } from "node:child_process";
import { createSign } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import nodemailer from "nodemailer";

// npm run bench (feedback part): webhook intake, signed SES bounce
// notifications through SNS's signature check into the store; and inbound
// DSNs, sent with nodemailer over a pool of SMTP connections into the
// listener, each parsed, matched by address and recorded. The server is a
// child process (feedback-server.ts); every notification and DSN names a
// different subscriber and has its own signature, so each one is new work.

const HERE = fileURLToPath(new URL("./", import.meta.url));
const NOTIFICATIONS = Number(process.env.BENCH_FEEDBACK_WEBHOOKS ?? 4000);
const DSNS = Number(process.env.BENCH_FEEDBACK_DSNS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_FEEDBACK_CONNECTIONS ?? 16);
const TOPIC = "arn:aws:sns:us-east-1:123456789012:bench";

export interface FeedbackBench {
  webhook: { perSecond: number; p50Ms: number; p99Ms: number; statuses: Record<string, number>; count: number };
  smtp: { perSecond: number; count: number; seconds: number };
}

export async function benchFeedback(): Promise<FeedbackBench> {
  const dir = await mkdtemp(path.join(tmpdir(), "gazette-bench-feedback-"));
  const child = spawn(process.execPath, ["--import", "tsx", path.join(HERE, "feedback-server.ts"), dir, path.join(dir, "cert.pem"), TOPIC, String(NOTIFICATIONS + DSNS)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=sns.amazonaws.com"], { stdio: "ignore" });
    const key = await readFile(path.join(dir, "key.pem"), "utf8");
    const { http, smtp } = await new Promise<{ http: string; smtp: string }>((resolve, reject) => {
      child.stdout!.once("data", (c: Buffer) => resolve(JSON.parse(c.toString())));
      child.once("exit", (code) => reject(new Error(`feedback-server exited with ${code}`)));
    });
    const bodies = Array.from({ length: NOTIFICATIONS }, (_, i) => signedBounce(key, i + 1));
    let next = 0;
    const result = await autocannon({
      url: `${http}/webhooks/ses`,
      method: "POST",
      connections: CONNECTIONS,
      amount: NOTIFICATIONS,
      headers: { "content-type": "text/plain; charset=UTF-8" },
      requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
    } as autocannon.Options);
    const statuses: Record<string, number> = {};
    for (const [code, value] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (value as { count: number }).count;

    const [host, port] = [smtp.slice(0, smtp.lastIndexOf(":")), Number(smtp.slice(smtp.lastIndexOf(":") + 1))];
    const mailer = nodemailer.createTransport({ pool: true, maxConnections: 8, maxMessages: Infinity, host, port, secure: false, ignoreTLS: true });
    const started = performance.now();
    let sent = 0;
    const work = Array.from({ length: 8 }, async () => {
      while (sent < DSNS) {
        const n = NOTIFICATIONS + ++sent;
        await mailer.sendMail({ envelope: { from: "", to: ["bounces@news.example.org"] }, raw: dsn(n) });
      }
    });
    await Promise.all(work);
    const seconds = (performance.now() - started) / 1000;
    mailer.close();
    return {
      webhook: { perSecond: NOTIFICATIONS / (result.duration || 1), p50Ms: result.latency.p50, p99Ms: result.latency.p99, statuses, count: NOTIFICATIONS },
      smtp: { perSecond: DSNS / seconds, count: DSNS, seconds },
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}

function signedBounce(key: string, n: number): string {
  const message = JSON.stringify({
    notificationType: "Bounce",
    bounce: { bounceType: "Transient", bounceSubType: "MailboxFull", feedbackId: `bench-${n}`, timestamp: new Date().toISOString(), bouncedRecipients: [{ emailAddress: `reader${n}@example.org`, status: "4.2.2", diagnosticCode: "smtp; 452 4.2.2 mailbox full" }] },
    mail: { messageId: `bench-mail-${n}`, source: "weekly@example.org", commonHeaders: { messageId: `<bench-${n}@example.org>` } },
  });
  const fields: Record<string, string> = { Message: message, MessageId: `sns-${n}`, Timestamp: new Date().toISOString(), TopicArn: TOPIC, Type: "Notification" };
  const text = ["Message", "MessageId", "Timestamp", "TopicArn", "Type"].map((f) => `${f}\n${fields[f]}\n`).join("");
  const Signature = createSign("RSA-SHA256").update(text).sign(key, "base64");
  return JSON.stringify({ ...fields, SignatureVersion: "2", Signature, SigningCertURL: "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bench.pem" });
}

function dsn(n: number): string {
  return [
    "From: MAILER-DAEMON@mx.example.org",
    "To: bounces@news.example.org",
    "Subject: Undelivered Mail Returned to Sender",
    "MIME-Version: 1.0",
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain",
    "",
    "The mail system could not deliver your message.",
    "--b",
    "Content-Type: message/delivery-status",
    "",
    "Reporting-MTA: dns; mx.example.org",
    "",
    `Final-Recipient: rfc822; reader${n}@example.org`,
    "Action: failed",
    "Status: 5.1.1",
    "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
    "--b",
    "Content-Type: text/rfc822-headers",
    "",
    `Message-ID: <bench-${n}@example.org>`,
    "From: weekly@example.org",
    `To: reader${n}@example.org`,
    "--b--",
    "",
  ].join("\r\n");
}

export function formatFeedback(b: FeedbackBench): string {
  const codes = Object.entries(b.webhook.statuses).map(([c, n]) => `${c}×${n}`).join(" ");
  return [
    `  webhook intake: ${b.webhook.count} signed SES bounce notifications (SNS SignatureVersion 2), ${CONNECTIONS} connections`,
    `    ${Math.round(b.webhook.perSecond)} notifications/s, p50 ${b.webhook.p50Ms} ms, p99 ${b.webhook.p99Ms} ms  [${codes}]`,
    `  inbound DSNs: ${b.smtp.count} through the SMTP listener over 8 connections`,
    `    ${Math.round(b.smtp.perSecond)} messages/s (${b.smtp.seconds.toFixed(1)} s)`,
  ].join("\n");
}
