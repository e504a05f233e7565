import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { beforeAll, describe, expect, it } from "vitest";
import { htmlLinks, textLinks } from "./helpers/email-links.ts";
import { runCli } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { scoreMessage } from "./helpers/spamassassin.ts";

// Issue 36 as a subscriber receives it: built, then sent with the real CLI
// into the local outbox (no SMTP_URL), then scored and read back.

async function sentMessage(): Promise<Buffer> {
  const root = await makeProject("issue-36");
  const { SMTP_URL: _unset, ...env } = process.env;
  for (const args of [["build"], ["subscribers", "add", "reader@example.org"], ["send", "36", "--yes"]]) {
    const result = await runCli(args, root, env);
    expect(result.status, `gazette ${args.join(" ")}: ${result.stderr}`).toBe(0);
  }
  const outbox = path.join(root, "data/outbox/36");
  const files = await readdir(outbox);
  expect(files).toHaveLength(1);
  return readFile(path.join(outbox, files[0]!));
}

describe("issue 36 as sent", () => {
  let raw: Buffer;
  beforeAll(async () => {
    raw = await sentMessage();
  }, 120_000);

  it("scores at most 0.5 with SpamAssassin's stock rules, offline, and trips no body rule", async () => {
    const report = await scoreMessage(raw);
    expect(report.rules.map((r) => r.name)).toContain("HTML_MESSAGE");
    expect(report.score, JSON.stringify(report.rules)).toBeLessThanOrEqual(0.5);
    expect(report.rules.filter((r) => r.points > 0)).toEqual([]);
    // HTML_MESSAGE ("BODY: HTML included in message", 0 points) is only the fact that there is an HTML part.
    expect(report.rules.filter((r) => r.description.startsWith("BODY:") && r.name !== "HTML_MESSAGE")).toEqual([]);
  }, 90_000);

  it("carries every link of its HTML part in its text part, the reader's own unsubscribe link included", async () => {
    const mail = await simpleParser(raw);
    const fromHtml = htmlLinks(mail.html as string);
    const unsubscribe = [...fromHtml].filter((u) => u.includes("/unsubscribe/"));
    expect(unsubscribe).toHaveLength(1);
    expect(textLinks(mail.text!)).toEqual(fromHtml);
  });
});
