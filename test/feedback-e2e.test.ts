import { readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import { verpTokenOf } from "../src/send/verp.ts";
import { makeProject } from "./helpers/project.ts";
import { freePort, runCli, startServe } from "./helpers/processes.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops.splice(0)) await stop();
});

const BOUNCES = "bounces@news.pretraining-weekly.example.org";
const readers = [1, 2, 3, 4, 5].map((n) => `reader${n}@example.org`);

/** Issue 37: issue 36's file under the next number and date. */
async function withNextIssue(root: string) {
  const text = await readFile(path.join(root, "content/issues/036.md"), "utf8");
  const { writeFile } = await import("node:fs/promises");
  await writeFile(path.join(root, "content/issues/037.md"), text.replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24"));
}

describe("the loop closes: send, hear back, send again", () => {
  it("a hard bounce, a complaint and a mailed unsubscribe fed back through the SMTP listener stop the next issue reaching those three", async () => {
    const root = await makeProject("issue-36");
    await withNextIssue(root);
    const relay = await startSmtpServer();
    stops.push(relay.close);
    const inboundPort = await freePort();
    const env = { ...process.env, NO_COLOR: "1", SMTP_URL: relay.url, SMTP_POOL_SIZE: "2", GAZETTE_SECRET: "end-to-end-secret-0123456789abcdef", GAZETTE_BOUNCE_ADDRESS: BOUNCES, GAZETTE_INBOUND_SMTP: `127.0.0.1:${inboundPort}` };
    expect((await runCli(["build"], root, env)).status).toBe(0);
    for (const r of readers) expect((await runCli(["subscribers", "add", r], root, env)).status).toBe(0);

    const first = await runCli(["send", "36", "--yes"], root, env);
    expect(first.stdout).toContain("sent 5, failed 0");
    expect(relay.accepted).toHaveLength(5);
    const sent = new Map(relay.accepted.map((m) => [m.to[0]!, m]));
    // Each envelope sender is the VERP form of the bounce address.
    for (const m of relay.accepted) expect(m.from).toMatch(/^bounces\+36-\d+-[0-9a-f]{20}@news\.pretraining-weekly\.example\.org$/);

    const server = await startServe(root, await freePort(), env);
    stops.push(server.stop);
    const mailer = nodemailer.createTransport({ host: "127.0.0.1", port: inboundPort, secure: false, ignoreTLS: true });
    stops.push(async () => mailer.close());

    // 1. reader1's MX bounces it, quoting nothing: only the VERP address says whose it was.
    const bounceTo = sent.get("reader1@example.org")!.from;
    await mailer.sendMail({
      envelope: { from: "", to: [bounceTo] },
      raw: [
        "From: MAILER-DAEMON@mx.example.org",
        `To: ${bounceTo}`,
        "Subject: Undelivered Mail Returned to Sender",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "",
        "--b",
        "Content-Type: text/plain",
        "",
        "Sorry, no such mailbox.",
        "--b",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.org",
        "",
        "Final-Recipient: rfc822; reader1@example.org",
        "Action: failed",
        "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
        "--b--",
        "",
      ].join("\r\n"),
    });
    // 2. reader2 presses "spam": an ARF report quoting the message as received.
    await mailer.sendMail({
      envelope: { from: "fbl@mailbox.example.com", to: [BOUNCES] },
      raw: Buffer.concat([
        Buffer.from(
          [
            "From: fbl@mailbox.example.com",
            `To: ${BOUNCES}`,
            "Subject: complaint",
            "MIME-Version: 1.0",
            'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
            "",
            "--arf",
            "Content-Type: text/plain",
            "",
            "An abuse report.",
            "--arf",
            "Content-Type: message/feedback-report",
            "",
            "Feedback-Type: abuse",
            "User-Agent: MailboxProvider/1.0",
            "Version: 1",
            "",
            "--arf",
            "Content-Type: message/rfc822",
            "",
            "",
          ].join("\r\n"),
        ),
        sent.get("reader2@example.org")!.raw,
        Buffer.from("\r\n--arf--\r\n"),
      ]),
    });
    // 3. reader3's mail client uses the List-Unsubscribe mailto of the message they got.
    const received = await simpleParser(sent.get("reader3@example.org")!.raw);
    const mailto = new URL((received.headers.get("list") as { unsubscribe: { mail: string } }).unsubscribe.mail.replace(/^(?!mailto:)/, "mailto:"));
    expect(mailto.pathname).toBe(BOUNCES);
    await mailer.sendMail({ from: "reader3@example.org", to: mailto.pathname, subject: mailto.searchParams.get("subject")!, text: "This message was sent to unsubscribe." });

    const list = await runCli(["subscribers", "list"], root, env);
    expect(list.stdout).toBe(
      ["reader1@example.org\tbounced", "reader2@example.org\tcomplained", "reader3@example.org\tunsubscribed", "reader4@example.org\tconfirmed", "reader5@example.org\tconfirmed", ""].join("\n"),
    );
    expect(verpTokenOf(bounceTo)).toMatch(/^36-1-/);

    const report = JSON.parse((await runCli(["report", "36", "--json"], root, env)).stdout);
    expect(report).toMatchObject({ issue: 36, recipients: 5, accepted: 5, hardBounces: 1, softBounces: 0, complaints: 1, unsubscribes: 1, rates: { hardBounce: 0.2, complaint: 0.2, unsubscribe: 0.2 } });

    // The guard rail: 20 % complaints and hard bounces on the last issue.
    const refused = await runCli(["send", "37", "--yes"], root, env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("not sending: issue #36's complaint rate 20.0 % (1 of 5) is at or above 0.3 %, and its hard-bounce rate 20.0 % (1 of 5) is at or above 5 %");
    expect(relay.accepted).toHaveLength(5);

    const second = await runCli(["send", "37", "--yes", "--force"], root, env);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("sent 2, failed 0");
    const next = relay.accepted.slice(5).map((m) => m.to[0]).sort();
    expect(next).toEqual(["reader4@example.org", "reader5@example.org"]);
    const table = (await runCli(["report"], root, env)).stdout.split("\n");
    expect(table[1]).toMatch(/^#37 /);
    expect(table[2]).toMatch(/^#36 .* 5 +5 +0 +0 +1 \(20\.0 %\) +0 \(0\.00 %\) +1 \(20\.0 %\) +1 \(20\.0 %\)$/);
  });
});
