import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { formatProblems } from "../src/errors.ts";
import { parseAddress } from "../src/store/address.ts";
import { Readable } from "node:stream";
import { readSubscriberCsv } from "../src/store/csv.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { StoreError } from "../src/store/store.ts";
import { makeProject, REPO, tempDir } from "./helpers/project.ts";

async function freshStore(): Promise<{ store: SqliteStore; file: string }> {
  const file = path.join(await tempDir(), "data/gazette.sqlite");
  return { store: new SqliteStore(file), file };
}

describe("addresses", () => {
  it.each([
    ["Reader@Example.ORG", "reader@example.org"],
    ["  reader+weekly@example.org ", "reader+weekly@example.org"],
    ["读者@例子.测试".replace("读者", "reader"), "reader@xn--fsqu00a.xn--0zwm56d"],
    ["o'brien@münchen.de", "o'brien@xn--mnchen-3ya.de"],
  ])("normalises %s to %s", (input, output) => {
    expect(parseAddress(input)).toEqual({ ok: true, address: output });
  });

  it.each([
    ["reader@example.org\r\nBcc: victim@example.org", "expected one email address with no line breaks or control characters"],
    ["Reader <reader@example.org>", "expected an email address whose part before @ is plain ASCII letters, digits, dots and !#$%&'*+/=?^_`{|}~-"],
    ["reader@localhost", "expected an email address with a domain such as example.org"],
    ["a@b@example.org", "expected an email address such as reader@example.org"],
    ["reader@example..org", "expected an email address with a domain such as example.org"],
    ["", "expected an email address such as reader@example.org"],
  ])("rejects %j", (input, expected) => {
    expect(parseAddress(input)).toEqual({ ok: false, expected });
  });
});

describe("the SQLite store", () => {
  it("migrates a new file, keeps addresses unique, and counts and pages by status", async () => {
    const { store, file } = await freshStore();
    const a = await store.addSubscriber({ email: "a@example.org", name: "A" });
    await store.addSubscriber({ email: "b@example.org", status: "pending" });
    await expect(store.addSubscriber({ email: "a@example.org" })).rejects.toThrow(StoreError);
    expect(a).toMatchObject({ email: "a@example.org", name: "A", status: "confirmed" });
    expect(await store.countSubscribers()).toBe(2);
    expect(await store.countSubscribers("pending")).toBe(1);
    for (let i = 0; i < 7; i++) await store.addSubscriber({ email: `p${i}@example.org` });
    const first = await store.listSubscribers({ status: "confirmed", limit: 3 });
    const second = await store.listSubscribers({ status: "confirmed", afterId: first.at(-1)!.id, limit: 100 });
    expect([...first, ...second].map((s) => s.email)).toEqual(["a@example.org", ...Array.from({ length: 7 }, (_, i) => `p${i}@example.org`)]);
    await store.close();
    const raw = new Database(file, { readonly: true });
    // Every migration applied: the version is the newest migration's number.
    const newest = Math.max(...readdirSync(path.join(REPO, "src/store/sqlite/migrations")).map((f) => Number(f.slice(0, 3))).filter(Number.isFinite));
    expect(newest).toBeGreaterThanOrEqual(6);
    expect(raw.pragma("user_version", { simple: true })).toBe(newest);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const reopened = new SqliteStore(file);
    expect(await reopened.countSubscribers()).toBe(9);
    await reopened.close();
  });

  it("imports all rows in one transaction, leaving present addresses as they were", async () => {
    const { store } = await freshStore();
    await store.addSubscriber({ email: "old@example.org", status: "unsubscribed" });
    expect(await store.importSubscribers([{ email: "old@example.org" }, { email: "new@example.org" }])).toEqual({ added: 1, existing: 1 });
    expect((await store.findSubscriber("old@example.org"))!.status).toBe("unsubscribed");
    await store.close();
  });
});

describe("CSV import", () => {
  const parseSubscriberCsv = (text: string, file: string, defaults: { status: "confirmed"; source: string }) => readSubscriberCsv(Readable.from([Buffer.from(text)]), file, defaults);

  it("reports every bad row with its line, so nothing is half-imported", async () => {
    const csv = 'email,name\nok@example.org,OK\nbad@,Bad\nok@example.org,Dup\n"evil@example.org\nBcc: x@y.z",Evil\nfine@例子.测试,"名字, with comma"\nx@example.org,"bell \u0007"\n';
    const { rows, problems } = await parseSubscriberCsv(csv, "list.csv", { status: "confirmed", source: "import" });
    expect(formatProblems(problems)).toBe(`list.csv: 4 problems
  line 3  email: expected an email address such as reader@example.org, received "bad@"
  line 4  email: expected each address once; line 2 has it too, received "ok@example.org"
  line 5  email: expected one email address with no line breaks or control characters, received "evil@example.org\\nBcc: x@y.z"
  line 8  name: expected a name with no line breaks or control characters, received "bell \\u0007"`);
    expect(rows.map((r) => [r.email, r.name])).toEqual([
      ["ok@example.org", "OK"],
      ["fine@xn--fsqu00a.xn--0zwm56d", "名字, with comma"],
    ]);
  });

  it("needs an email column", async () => {
    const { problems } = await parseSubscriberCsv("address,name\na@example.org,A\n", "list.csv", { status: "confirmed", source: "import" });
    expect(formatProblems(problems)).toBe('list.csv: 1 problem\n  line 1  expected a header row with an "email" column (and optionally "name", "status")');
  });
});

describe("gazette subscribers", () => {
  function gazette(root: string, args: string[]) {
    const r = spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), ...args], { cwd: root, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it("adds, lists, counts, imports, exports and removes, in data/gazette.sqlite", async () => {
    const root = await makeProject("issue-36");
    expect(gazette(root, ["subscribers", "add", "Reader@Example.org", "--name", "读者"]).stdout).toBe("added reader@example.org (confirmed)\n");
    await writeFile(path.join(root, "list.csv"), "email,name,status\nb@example.org,B,\nc@example.org,C,pending\nreader@example.org,Again,\n");
    expect(gazette(root, ["subscribers", "import", "list.csv"]).stdout).toBe("imported 2 subscribers; 1 already present, left as they were\n");
    expect(gazette(root, ["subscribers", "list", "--status", "confirmed"]).stdout).toBe("reader@example.org\tconfirmed\t读者\nb@example.org\tconfirmed\tB\n");
    expect(gazette(root, ["subscribers", "count"]).stdout).toMatch(/^pending {6}1\nconfirmed {4}2\n[\s\S]*total {8}3\n$/);
    expect(gazette(root, ["subscribers", "export"]).stdout).toMatch(/^email,name,status,source,created_at\nreader@example.org,读者,confirmed,cli,\S+\nb@example.org,B,confirmed,import:list.csv,/);
    expect(gazette(root, ["subscribers", "remove", "b@example.org"]).stdout).toBe("removed b@example.org\n");
    const missing = gazette(root, ["subscribers", "remove", "b@example.org"]);
    expect(missing).toMatchObject({ status: 1, stderr: "gazette: b@example.org is not a subscriber\n" });
  });

  it("imports nothing when any row is bad, and says which", async () => {
    const root = await makeProject("issue-36");
    await writeFile(path.join(root, "list.csv"), "email\ngood@example.org\nnot-an-address\n");
    const result = gazette(root, ["subscribers", "import", "list.csv"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('list.csv: 1 problem\n  line 3  email: expected an email address such as reader@example.org, received "not-an-address"\n1 problem; nothing was imported.\n');
    expect(gazette(root, ["subscribers", "count"]).stdout).toMatch(/total {8}0\n$/);
  });

  it("says plainly when the CSV file is not there", async () => {
    const root = await makeProject("issue-36");
    expect(gazette(root, ["subscribers", "import", "missing.csv"])).toMatchObject({ status: 1, stderr: "gazette: cannot read missing.csv: no such file\n" });
  });

  it("refuses an address with a line break on the command line", async () => {
    const root = await makeProject("issue-36");
    const result = gazette(root, ["subscribers", "add", "a@example.org\nBcc: b@example.org"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("expected one email address with no line breaks or control characters");
  });

  it("refuses a name with a line break on the command line, as import does", async () => {
    const root = await makeProject("issue-36");
    const result = gazette(root, ["subscribers", "add", "a@example.org", "--name", "Ann\nBcc: b@example.org"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("expected a name with no line breaks or control characters");
    expect(gazette(root, ["subscribers", "count"]).stdout).not.toMatch(/confirmed\s+1/);
  });
});

describe("migrations", () => {
  it("refuses two with one number, which a new database would half apply", async () => {
    const { refuseDuplicateVersions } = await import("../src/store/sqlite/sqlite-store.ts");
    expect(() => refuseDuplicateVersions(["005-a.sql", "006-b.sql", "006-c.sql"], "sqlite")).toThrow("migrations sqlite/006-b.sql and sqlite/006-c.sql share the number 006: renumber one");
    expect(() => refuseDuplicateVersions(readdirSync(path.join(REPO, "src/store/sqlite/migrations")).sort(), "sqlite")).not.toThrow();
    expect(readdirSync(path.join(REPO, "src/store/postgres/migrations")).sort().map((f) => f.slice(0, 3))).toEqual(readdirSync(path.join(REPO, "src/store/sqlite/migrations")).sort().map((f) => f.slice(0, 3)));
  });
});
