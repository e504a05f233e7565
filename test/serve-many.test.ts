import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { httpRequest } from "./helpers/http.ts";
import { createTestDatabase } from "./helpers/postgres.ts";
import { freePort, startServe } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

// Two `gazette serve` processes on one PostgreSQL database, as behind a
// load balancer: neither keeps a reader's state in memory.

describe("two gazette serve processes on one PostgreSQL database", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await smtp.close();
  });

  it("sign up through one, confirm through the other, unsubscribe through the first: one confirmation mail", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const url = await createTestDatabase();
    // No GAZETTE_SECRET: the servers share the one the database keeps.
    const env = { ...process.env, DATABASE_URL: url, SMTP_URL: smtp.url, GAZETTE_SECRET: "", GAZETTE_DATA_DIR: "data" };
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startServe(root, portA, { ...env, GAZETTE_DATA_DIR: "data-a" });
    stops.push(a.stop);
    const b = await startServe(root, portB, { ...env, GAZETTE_DATA_DIR: "data-b" });
    stops.push(b.stop);
    const baseA = `http://127.0.0.1:${portA}`;
    const baseB = `http://127.0.0.1:${portB}`;
    const post = (base: string, pathname: string, body: string) =>
      httpRequest(`${base}${pathname}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: base }, body });

    expect((await post(baseA, "/subscribe", "email=reader%40example.org&website=")).status).toBe(200);
    // Both servers look at the queue; exactly one sends the mail.
    for (let i = 0; i < 200 && smtp.accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(smtp.accepted.filter((m) => m.to.includes("reader@example.org")).length).toBe(1);
    const mail = await simpleParser(smtp.accepted[0]!.raw);
    const token = /\/confirm\/([A-Za-z0-9._-]+)/.exec(mail.text!)![1]!;

    const confirmed = await post(baseB, `/confirm/${token}`, "");
    expect(confirmed.status, confirmed.body).toBe(200);
    const store = await PostgresStore.open(url);
    const reader = (await store.findSubscriber("reader@example.org"))!;
    expect(reader.status).toBe("confirmed");
    expect(await store.confirmationMails(reader.id)).toMatchObject([{ state: "sent" }]);

    // The unsubscribe link server B would mail (signed with the database's secret) works on server A.
    const { signToken } = await import("../src/send/tokens.ts");
    const unsubscribe = signToken(await store.sharedSecret(), "unsubscribe", reader);
    expect((await httpRequest(`${baseA}/unsubscribe/${unsubscribe}`)).status).toBe(200);
    expect((await post(baseA, `/unsubscribe/${unsubscribe}`, "")).status).toBe(200);
    expect((await store.findSubscriber("reader@example.org"))!.status).toBe("unsubscribed");
    await store.close();
    expect(smtp.accepted.length).toBe(1);
  });
});
