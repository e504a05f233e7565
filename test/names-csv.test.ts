import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { formatProblems } from "../src/errors.ts";
import type { Newsletter } from "../src/model/newsletter.ts";
import { prepareMessage } from "../src/send/message.ts";
import { readSubscriberCsv } from "../src/store/csv.ts";
import { makeProject, REPO } from "./helpers/project.ts";

const read = (bytes: Buffer | string) => readSubscriberCsv(Readable.from([Buffer.from(bytes)]), "list.csv", { status: "confirmed", source: "import" });

function gazette(root: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("display names", () => {
  const long = "名".repeat(101);
  const bidi = "Bob\u202Egnp.exe";

  it("are refused past 100 characters or with bidirectional controls, in a CSV import, with their lines", async () => {
    const ok = "名".repeat(100);
    const { rows, problems } = await read(`email,name\na@example.org,${ok}\nb@example.org,${long}\nc@example.org,${bidi}\nd@example.org,Isolate \u2067x\u2069\n`);
    const text = formatProblems(problems).split("\n");
    expect(text[0]).toBe("list.csv: 3 problems");
    expect(text[1]).toMatch(/^  line 3  name: expected a name of at most 100 characters; this one has 101, received "名+…"$/);
    expect(text.slice(2)).toEqual([
      '  line 4  name: expected a name without bidirectional control characters (U+202A-U+202E, U+2066-U+2069), received "Bob\u202Egnp.exe"',
      '  line 5  name: expected a name without bidirectional control characters (U+202A-U+202E, U+2066-U+2069), received "Isolate \u2067x\u2069"',
    ]);
    expect(rows.map((r) => r.name)).toEqual([ok]);
  });

  it("are refused the same way by subscribers add --name", async () => {
    const root = await makeProject("issue-36");
    for (const [name, expected] of [
      [long, "expected a name of at most 100 characters; this one has 101"],
      [bidi, "expected a name without bidirectional control characters"],
    ] as const) {
      const result = gazette(root, ["subscribers", "add", "a@example.org", "--name", name]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(expected);
    }
  });

  it("fold in the To: header: no header line past 78 characters, and the name arrives whole", async () => {
    const newsletter = { title: "A newsletter whose title is rather long, to fold the List-Id header as well", sender: { name: "Sender", email: "s@example.org" }, base_url: "https://news.example.org/", id: "tag:news.example.org,2026:weekly" } as Newsletter;
    const message = prepareMessage({
      meta: { number: 1, subject: "An issue whose subject, in plain ASCII, runs on well past the seventy-eight columns a header line should keep to", preheader: "", url: "", draft: false, html: "", text: "", placeholders: {}, bytes: { html: 0, text: 0 }, images: "https://news.example.org/images/" },
      html: "<p>hi</p>",
      text: "hi",
      newsletter,
      date: new Date("2026-12-01T00:00:00Z"),
    });
    for (const name of ["N".repeat(100), "名字".repeat(50), "Ann \"the\" Reader, who has a long ASCII name that goes on and on for ages"]) {
      const email = `${"x".repeat(40)}@example.org`;
      const raw = Buffer.concat(message.build({ email, name, messageId: "<1@example.org>", unsubscribeUrl: "https://news.example.org/unsubscribe/1.x", unsubscribeMailto: "mailto:u@example.org" })).toString("utf8");
      const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
      for (const line of head.split("\r\n")) expect(line.length, line).toBeLessThanOrEqual(78);
      const mail = await simpleParser(raw);
      expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]).toEqual({ address: email, name });
      expect(mail.subject).toBe("An issue whose subject, in plain ASCII, runs on well past the seventy-eight columns a header line should keep to");
      expect(mail.headers.get("list")).toMatchObject({ id: { name: newsletter.title } });
    }
  });

  it("a name stored before these limits is left out of To: rather than sent as it is", async () => {
    const message = prepareMessage({
      meta: { number: 1, subject: "S", preheader: "", url: "", draft: false, html: "", text: "", placeholders: {}, bytes: { html: 0, text: 0 }, images: "https://news.example.org/images/" },
      html: "<p>hi</p>",
      text: "hi",
      newsletter: { title: "T", sender: { name: "S", email: "s@example.org" }, base_url: "https://n.example.org/", id: "tag:n.example.org,2026:w" } as Newsletter,
      date: new Date(),
    });
    const raw = Buffer.concat(message.build({ email: "r@example.org", name: "x".repeat(5000), messageId: "<1@example.org>", unsubscribeUrl: "https://n.example.org/u", unsubscribeMailto: "mailto:u@example.org" })).toString("utf8");
    expect(raw).toContain("\r\nTo: <r@example.org>\r\n");
  });
});

describe("CSV input", () => {
  it("reports the true physical line in a CRLF file whose quoted fields hold line breaks", async () => {
    const lines = ["email,name,note", '"a@example.org",A,"one\r\ntwo"', '"b@example.org",B,"three\r\nfour\r\nfive"', "", "bad@,x,", "c@example.org,y,", '"d@example.org",D,"six\r\nseven"', "bad2@,z,"];
    const { problems } = await read(`${lines.join("\r\n")}\r\n`);
    expect(formatProblems(problems)).toBe(`list.csv: 2 problems
  line 8   email: expected an email address such as reader@example.org, received "bad@"
  line 12  email: expected an email address such as reader@example.org, received "bad2@"`);
  });

  it("refuses bytes that are not UTF-8, naming the line, instead of turning them into U+FFFD", async () => {
    const csv = Buffer.concat([Buffer.from("email,name\r\na@example.org,Ann\r\nb@example.org,Bj"), Buffer.from([0xf6]), Buffer.from("rk\r\n")]);
    const { rows, problems } = await read(csv);
    expect(rows).toEqual([]);
    expect(formatProblems(problems)).toBe("list.csv: 1 problem\n  line 3  expected UTF-8 text; line 3 has bytes that are not UTF-8 (save the file as UTF-8)");
    // A character split across the stream's chunks is still UTF-8.
    const bytes = Buffer.from("email,name\nc@example.org,Chloé 张\n");
    const split = await readSubscriberCsv(Readable.from([bytes.subarray(0, 27), bytes.subarray(27, 32), bytes.subarray(32)]), "list.csv", { status: "confirmed", source: "import" });
    expect(split).toEqual({ rows: [{ email: "c@example.org", name: "Chloé 张", status: "confirmed", source: "import" }], problems: [] });
  });

  it("subscribers export neutralises cells a spreadsheet would run as formulas, and imports back as it was", async () => {
    const root = await makeProject("issue-36");
    const names = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1", "-Bob-", "@SUM(A1)", "'=already"];
    const csv = ["email,name", ...names.map((n, i) => `r${i}@example.org,"${n.replace(/"/g, '""')}"`), "=x@example.org,Plain"].join("\n");
    await writeFile(path.join(root, "list.csv"), `${csv}\n`);
    expect(gazette(root, ["subscribers", "import", "list.csv"]).stdout).toBe("imported 6 subscribers; 0 already present, left as they were\n");
    const exported = gazette(root, ["subscribers", "export"]).stdout.split("\n");
    expect(exported.slice(1, 7).map((line) => line.split(",").slice(0, 2).join(","))).toEqual([
      `r0@example.org,"'=HYPERLINK(""https://evil.example""`,
      "r1@example.org,'+1",
      "r2@example.org,'-Bob-",
      "r3@example.org,'@SUM(A1)",
      "r4@example.org,'=already",
      "'=x@example.org,Plain",
    ]);
    // Exported, then imported into another project: the same names and addresses.
    const other = await makeProject("issue-36");
    await writeFile(path.join(other, "back.csv"), exported.join("\n"));
    expect(gazette(other, ["subscribers", "import", "back.csv"]).stdout).toBe("imported 6 subscribers; 0 already present, left as they were\n");
    expect(gazette(other, ["subscribers", "list"]).stdout).toBe(gazette(root, ["subscribers", "list"]).stdout);
  });
});
