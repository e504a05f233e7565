import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { readSecret } from "../src/send/tokens.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { createTestDatabase } from "./helpers/postgres.ts";
import { runCli } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

// gazette db copy: a SQLite store with subscribers, a ledger and pending
// signups moves to PostgreSQL, and sending there goes on where SQLite left off.

describe("gazette db copy --to", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer({ discardBodies: true });
  });
  afterAll(async () => smtp.close());

  it("copies everything in one go, refuses a database with rows in it, and the send on PostgreSQL sends nothing twice", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const { SMTP_URL: _s, DATABASE_URL: _d, GAZETTE_SECRET: _g, ...base } = process.env;
    const sqlite = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    for (let i = 1; i <= 5; i++) await sqlite.addSubscriber({ email: `early${i}@example.org`, name: i === 1 ? "读者一" : null });
    await sqlite.addSubscriber({ email: "left@example.org", status: "unsubscribed" });
    await sqlite.close();
    // Issue 36 goes to the first five through SQLite (into the outbox).
    expect((await runCli(["send", "36", "--yes"], root, base)).status).toBe(0);
    const again = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    for (let i = 1; i <= 3; i++) await again.addSubscriber({ email: `late${i}@example.org` });
    const signup = await again.requestSignup("pending@example.org", { source: "web", now: new Date(), throttle: { minIntervalMs: 600_000, maxPerDay: 3 } });
    const nonce = (await again.confirmTarget(signup.subscriber.id))!.nonce;
    await again.close();

    const url = await createTestDatabase();
    const copied = await runCli(["db", "copy", "--to", url], root, base);
    expect(copied.status, copied.stderr).toBe(0);
    expect(copied.stdout).toMatch(/^copied into PostgreSQL 127\.0\.0\.1:\d+\/gazette_test_\w+, counts checked:\n/);
    expect(copied.stdout).toMatch(/ {2}subscribers {9}10\n {2}confirmation_mails {2}1\n {2}campaigns {11}1\n {2}deliveries {10}5\n/);
    expect(copied.stdout).toContain("and the token secret, so links already mailed keep working");

    const pg = await PostgresStore.open(url);
    expect(await pg.countSubscribers()).toBe(10);
    expect(await pg.findSubscriber("early1@example.org")).toMatchObject({ name: "读者一", status: "confirmed" });
    expect(await pg.countByState(36)).toEqual({ accepted: 5 });
    expect((await pg.confirmTarget(signup.subscriber.id))!.nonce).toBe(nonce);
    expect(await pg.confirmationMails(signup.subscriber.id)).toMatchObject([{ state: "queued" }]);
    expect((await pg.sharedSecret()).equals(readSecret(path.join(root, "data")))).toBe(true);
    // New rows go on from the highest id copied.
    expect((await pg.addSubscriber({ email: "new@example.org" })).id).toBe(11);
    await pg.removeSubscriber("new@example.org");
    await pg.close();

    // A database with rows in it is left alone unless asked.
    const refused = await runCli(["db", "copy", "--to", url], root, base);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^gazette: the PostgreSQL database is not empty \(.*subscribers.*\): add --force to replace what is there\n$/);
    expect((await runCli(["db", "copy", "--to", url, "--force"], root, base)).status).toBe(0);

    // On PostgreSQL, the send goes only to those SQLite had not sent it to.
    const sent = await runCli(["send", "36", "--yes"], root, { ...base, DATABASE_URL: url, SMTP_URL: smtp.url });
    expect(sent.status, sent.stdout + sent.stderr).toBe(0);
    expect(sent.stdout).toContain("recipients: 3 confirmed subscribers still to receive it (5 already have it)");
    expect([...smtp.countsByRecipient().keys()].sort()).toEqual(["late1@example.org", "late2@example.org", "late3@example.org"]);
    expect((await runCli(["send", "36", "--yes"], root, { ...base, DATABASE_URL: url, SMTP_URL: smtp.url })).stdout).toContain("nothing to send.");
    expect(smtp.accepted.length).toBe(3);
  });
});
