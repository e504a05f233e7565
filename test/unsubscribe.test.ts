import type { FastifyInstance } from "fastify";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import type { EmailMeta } from "../src/build/emails.ts";
import { loadContent } from "../src/content/load.ts";
import { runCampaign } from "../src/send/campaign.ts";
import { prepareMessage } from "../src/send/message.ts";
import { readSecret } from "../src/send/tokens.ts";
import { createOutboxTransport } from "../src/send/transport.ts";
import { createApp } from "../src/server/app.ts";
import { maskAddress } from "../src/server/pages.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { httpRequest } from "./helpers/http.ts";
import { makeProject } from "./helpers/project.ts";

describe("unsubscribing from a sent issue", () => {
  let app: FastifyInstance;
  let base: string;
  let store: SqliteStore;
  const links = new Map<string, string>();

  beforeAll(async () => {
    // Send issue 36 into the outbox, then take each reader's link from the message itself.
    const root = await makeProject("issue-36");
    await build({ root });
    store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    for (const email of ["reader1@example.org", "reader2@example.org", "reader3@example.org"]) await store.addSubscriber({ email });
    const { newsletter } = await loadContent(root);
    const dir = path.join(root, "dist/emails");
    const meta = JSON.parse(await readFile(path.join(dir, "36.json"), "utf8")) as EmailMeta;
    const message = prepareMessage({ meta, html: await readFile(path.join(dir, "36.html"), "utf8"), text: await readFile(path.join(dir, "36.txt"), "utf8"), newsletter, date: new Date() });
    const secret = readSecret(path.join(root, "data"));
    const outbox = path.join(root, "data/outbox/36");
    await store.startCampaign(36, { resendUncertain: false });
    await runCampaign({ issue: 36, newsletter, store, transport: createOutboxTransport(outbox), message, secret, concurrency: 1, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    for (const file of await readdir(outbox)) {
      const mail = await simpleParser(await readFile(path.join(outbox, file)));
      const url = (mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url;
      links.set(mail.to && !Array.isArray(mail.to) ? mail.to.text : "", new URL(url).pathname);
    }
    app = await createApp({ distDir: path.join(root, "dist"), subscriptions: { store, secret, newsletter } });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  it("GET shows the masked address and a button, and changes nothing", async () => {
    const res = await httpRequest(`${base}${links.get("reader1@example.org")}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<strong>${maskAddress("reader1@example.org")}</strong>`);
    expect(res.body).toContain("r******@example.org");
    expect(res.body).toMatch(/<form method="post" action="\/unsubscribe\/[^"]+">/);
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect((await store.findSubscriber("reader1@example.org"))!.status).toBe("confirmed");
  });

  it("the form's POST from this site unsubscribes; twice is fine", async () => {
    const url = `${base}${links.get("reader1@example.org")}`;
    const post = () => httpRequest(url, { method: "POST", headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    const first = await post();
    expect(first.status).toBe(200);
    expect(first.body).toContain("已退订。你不会再收到《预训练周刊》。");
    expect((await store.findSubscriber("reader1@example.org"))!.status).toBe("unsubscribed");
    expect((await post()).status).toBe(200);
  });

  it("RFC 8058 one-click POST unsubscribes with no page and answers 200", async () => {
    const res = await httpRequest(`${base}${links.get("reader2@example.org")}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res).toMatchObject({ status: 200, body: "Unsubscribed." });
    expect((await store.findSubscriber("reader2@example.org"))!.status).toBe("unsubscribed");
  });

  it("refuses a cross-origin form POST", async () => {
    const res = await httpRequest(`${base}${links.get("reader3@example.org")}`, { method: "POST", headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" }, body: "" });
    expect(res.status).toBe(403);
    expect((await store.findSubscriber("reader3@example.org"))!.status).toBe("confirmed");
  });

  it("answers forged tokens with a page that reveals nothing", async () => {
    const real = links.get("reader3@example.org")!;
    for (const forged of [real.replace(/.$/, (c) => (c === "A" ? "B" : "A")), real.replace(/\/(\d+)\./, "/1."), "/unsubscribe/3.short", "/unsubscribe/not-a-token"]) {
      const res = await httpRequest(`${base}${forged}`);
      expect(res.status, forged).toBe(400);
      expect(res.body).toContain("这个链接无效或已过期。");
      expect(res.body).not.toContain("example.org</strong>");
    }
    const oneClick = await httpRequest(`${base}${real.replace(/.$/, (c) => (c === "A" ? "B" : "A"))}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    expect(oneClick.status).toBe(400);
    expect((await store.findSubscriber("reader3@example.org"))!.status).toBe("confirmed");
  });
});
