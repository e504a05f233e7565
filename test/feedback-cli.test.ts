import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readMailFiles } from "../src/feedback/read-mail.ts";
import { FEEDBACK_FIXTURES, FIXTURE_SECRET } from "./helpers/feedback.ts";
import { makeProject, tempDir } from "./helpers/project.ts";
import { runCli } from "./helpers/processes.ts";

const fixture = (name: string) => readFile(path.join(FEEDBACK_FIXTURES, name));
const env = { ...process.env, NO_COLOR: "1", GAZETTE_SECRET: FIXTURE_SECRET };

/** A project whose store has reader1..5 (ids 1..5), as the fixtures expect. */
async function project() {
  const root = await makeProject("issue-36");
  await writeFile(path.join(root, "readers.csv"), `email\n${[1, 2, 3, 4, 5].map((n) => `reader${n}@example.org`).join("\n")}\n`);
  expect((await runCli(["subscribers", "import", "readers.csv"], root, env)).status).toBe(0);
  return root;
}

async function mbox(names: string[]): Promise<string> {
  const file = path.join(await tempDir(), "bounces.mbox");
  const parts = await Promise.all(names.map(async (n) => `From MAILER-DAEMON Mon Jan 17 09:05:11 2022\n${(await fixture(n)).toString("latin1").replace(/^From /gm, ">From ")}\n`));
  await writeFile(file, parts.join(""), "latin1");
  return file;
}

describe("gazette feedback import", () => {
  it("reads a Maildir's new/ and cur/, says what each mail did, and changes nothing the second time", async () => {
    const root = await project();
    const maildir = path.join(await tempDir(), "Maildir");
    for (const sub of ["new", "cur", "tmp"]) await mkdir(path.join(maildir, sub), { recursive: true });
    await writeFile(path.join(maildir, "new/1642381511.M1P1.mx"), await fixture("dsn-permanent.eml"));
    await writeFile(path.join(maildir, "new/1642381512.M2P1.mx"), await fixture("auto-reply-x-autoreply.eml"));
    await writeFile(path.join(maildir, "cur/1642381513.M3P1.mx:2,S"), await fixture("arf-complaint.eml"));
    await writeFile(path.join(maildir, "tmp/1642381514.M4P1.mx"), await fixture("dsn-verp-only.eml")); // still being written: not read
    const result = await runCli(["feedback", "import", maildir], root, env);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        "Maildir/new/1642381511.M1P1.mx: delivery status: recorded 1 (1 bounced)",
        "Maildir/new/1642381512.M2P1.mx: ignored: an automatic reply (X-Autoreply)",
        "Maildir/cur/1642381513.M3P1.mx:2,S: abuse report: recorded 1 (1 complained)",
        "3 mails read: 2 events recorded, 0 already recorded, 1 mail with nothing recorded",
        "",
      ].join("\n"),
    );
    const again = await runCli(["feedback", "import", maildir], root, env);
    expect(again.stdout).toContain("3 mails read: 0 events recorded, 2 already recorded, 1 mail with nothing recorded");
    expect((await runCli(["subscribers", "list"], root, env)).stdout.split("\n").slice(0, 5)).toEqual([
      "reader1@example.org\tbounced",
      "reader2@example.org\tconfirmed",
      "reader3@example.org\tconfirmed",
      "reader4@example.org\tcomplained",
      "reader5@example.org\tconfirmed",
    ]);
  });

  it("reads an mbox, message by message, unquoting >From lines", async () => {
    const file = await mbox(["dsn-transient.eml", "dsn-verp-only.eml", "dsn-no-status-part.eml", "arf-unknown-message.eml"]);
    const mails = [];
    for await (const m of readMailFiles(file)) mails.push(m);
    expect(mails.map((m) => m.name)).toEqual(["bounces.mbox #1", "bounces.mbox #2", "bounces.mbox #3", "bounces.mbox #4"]);
    expect(mails[0]!.raw.toString()).toMatch(/^Return-Path: <>\r\nDate: Tue, 18 Jan 2022/);
    expect(mails[2]!.raw.toString()).toContain("\r\nFrom here on, please read");
    expect(mails[1]!.raw.toString().replace(/\r\n/g, "\n")).toBe((await fixture("dsn-verp-only.eml")).toString().replace(/\n$/, "") + "\n");

    const root = await project();
    const result = await runCli(["feedback", "import", file], root, env);
    expect(result.stdout).toBe(
      [
        "bounces.mbox #1: delivery status: recorded 1",
        "bounces.mbox #2: delivery status: recorded 1 (1 bounced)",
        "bounces.mbox #3: not used: a multipart/report of type delivery-status with no message/delivery-status part: nothing to read the recipients' status from",
        "bounces.mbox #4: abuse report: 1 not matched: no subscriber or delivery matches its Message-ID <20220117.abcdef@elsewhere.example> or recipient stranger@example.net",
        "4 mails read: 2 events recorded, 0 already recorded, 2 mails with nothing recorded",
        "",
      ].join("\n"),
    );
    expect((await runCli(["subscribers", "count"], root, env)).stdout).toMatch(/confirmed\s+4/);
  });

  it("says so when the path does not exist, and reports nothing for an issue never sent", async () => {
    const root = await project();
    const missing = await runCli(["feedback", "import", path.join(root, "nowhere.mbox")], root, env);
    expect([missing.status, missing.stderr]).toEqual([1, `gazette: ${path.join(root, "nowhere.mbox")}: no such file or folder\n`]);
    const report = await runCli(["report", "36"], root, env);
    expect([report.status, report.stderr]).toEqual([1, "gazette: issue 36 has not been sent: no deliveries recorded\n"]);
    expect((await runCli(["report"], root, env)).stdout).toBe("no issue has been sent yet.\n");
  });
});
