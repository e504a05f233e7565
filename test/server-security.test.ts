import type { FastifyInstance } from "fastify";
import { connect } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { loadContent } from "../src/content/load.ts";
import type { Newsletter } from "../src/model/newsletter.ts";
import { signToken } from "../src/send/tokens.ts";
import { createApp } from "../src/server/app.ts";
import type { SubscriptionDeps } from "../src/server/subscriptions.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { httpRequest, type HttpResponse } from "./helpers/http.ts";
import { makeProject } from "./helpers/project.ts";

const secret = Buffer.from("server-security-test-secret");

/**
 * What the fault and attack trials of issue 11 found in the server, against
 * a real server on port 0 and a real SQLite file: which origins a form post
 * may come from, the headers on every answer, and the unsubscribe tokens.
 */
describe("the server under attack", () => {
  let root: string;
  let newsletter: Newsletter;
  const open: { app: FastifyInstance; store: SqliteStore }[] = [];

  beforeAll(async () => {
    root = await makeProject("issue-36");
    await build({ root });
    newsletter = (await loadContent(root)).newsletter;
  });
  afterEach(async () => {
    for (const { app, store } of open.splice(0)) {
      await app.close();
      await store.close();
    }
  });
  afterAll(() => undefined);

  async function serve(options: { trustProxy?: boolean | string; deps?: Partial<SubscriptionDeps> } = {}) {
    const store = new SqliteStore(path.join(root, `data/security-${open.length}-${Date.now()}.sqlite`));
    const app = await createApp({ distDir: path.join(root, "dist"), trustProxy: options.trustProxy, subscriptions: { store, secret, newsletter, ...options.deps } });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    open.push({ app, store });
    const port = new URL(base).port;
    /** A form post to a fresh subscriber's unsubscribe page: 200 when the origin counts as this site, else 403. */
    const formPost = async (headers: Record<string, string>) => {
      const s = await store.addSubscriber({ email: `r${Math.random().toString(36).slice(2)}@example.org` });
      return httpRequest(`${base}/unsubscribe/${signToken(secret, "unsubscribe", s)}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body: "" });
    };
    const oneClick = (token: string) =>
      httpRequest(`${base}/unsubscribe/${token}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" });
    return { app, store, base, port, formPost, oneClick };
  }

  describe("form posts count only from this site's own origin, never from what the request's Host says", () => {
    it("with no public URL: this server's listening address (and localhost), same scheme, host and port", async () => {
      const { formPost, port } = await serve();
      expect((await formPost({ Origin: `http://127.0.0.1:${port}` })).status).toBe(200);
      expect((await formPost({ Origin: `http://localhost:${port}` })).status).toBe(200);
      expect((await formPost({ Referer: `http://127.0.0.1:${port}/issues/36/` })).status).toBe(200);
      for (const origin of [
        `https://127.0.0.1:${port}`, // an https page posting to an http server
        `http://user@127.0.0.1:${port}`, // userinfo
        `http://user:pw@127.0.0.1:${port}`,
        `http://127.0.0.1:${Number(port) + 1}`, // another port
        `http://127.0.0.1:${port}/path`, // not an origin at all
        "null",
        "https://evil.example",
      ]) {
        expect((await formPost({ Origin: origin })).status, origin).toBe(403);
      }
      expect((await formPost({ Referer: `http://user:pw@127.0.0.1:${port}/` })).status).toBe(403);
      expect((await formPost({})).status).toBe(403);
    });

    it("refuses the DNS-rebinding pattern: a spoofed Host with an Origin that matches it", async () => {
      const { formPost, port } = await serve();
      const res = await formPost({ Host: `rebind.evil.example:${port}`, Origin: `http://rebind.evil.example:${port}` });
      expect(res.status).toBe(403);
    });

    it("with a public URL configured: that origin only", async () => {
      const { formPost, port } = await serve({ deps: { publicOrigins: ["https://news.example.org"] } });
      expect((await formPost({ Origin: "https://news.example.org" })).status).toBe(200);
      expect((await formPost({ Origin: "http://news.example.org" })).status).toBe(403);
      expect((await formPost({ Origin: `http://127.0.0.1:${port}` })).status).toBe(403);
      expect((await formPost({ Host: "news.example.org", Origin: "https://news.example.org:8443" })).status).toBe(403);
    });

    it("behind a trusted proxy with no public URL: the origin the proxy names, scheme included; an untrusted peer cannot name one", async () => {
      const proxied = { "X-Forwarded-Host": "news.example.org", "X-Forwarded-Proto": "https" };
      const trusted = await serve({ trustProxy: "127.0.0.1" });
      expect((await trusted.formPost({ ...proxied, Origin: "https://news.example.org" })).status).toBe(200);
      expect((await trusted.formPost({ ...proxied, Origin: "http://news.example.org" })).status).toBe(403);
      const elsewhere = await serve({ trustProxy: "10.1.2.3" });
      expect((await elsewhere.formPost({ ...proxied, Origin: "https://news.example.org" })).status).toBe(403);
      const none = await serve();
      expect((await none.formPost({ ...proxied, Origin: "https://news.example.org" })).status).toBe(403);
    });
  });

  describe("every answer carries the security headers", () => {
    const expectHeaders = (res: HttpResponse, what: string) => {
      expect(res.headers["x-frame-options"], what).toBe("DENY");
      expect(res.headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
      expect(res.headers["x-content-type-options"], what).toBe("nosniff");
      expect(res.headers["referrer-policy"], what).toBe("strict-origin-when-cross-origin");
    };

    it("pages, files, feeds, 404s, form errors and fastify's own 400 for a malformed URL", async () => {
      const { base } = await serve();
      for (const pathname of ["/", "/rss.xml", "/assets/style.css", "/nope", "/subscribe", "/unsubscribe/1.x", "/..%c0%af", "/%", "/_preview/emails/"]) {
        const res = await httpRequest(`${base}${pathname}`);
        expectHeaders(res, `${pathname} (${res.status})`);
      }
      const malformed = await httpRequest(`${base}/..%c0%af`);
      expect(malformed.status).toBe(400);
      expect(malformed.headers["content-type"]).toBe("text/plain; charset=utf-8");
      const post = await httpRequest(`${base}/subscribe`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "%zz" });
      expectHeaders(post, `POST /subscribe malformed (${post.status})`);
    });

    it("even a request the HTTP parser refuses", async () => {
      const { port } = await serve();
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.write("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"));
        let text = "";
        socket.on("data", (chunk) => (text += chunk.toString("latin1")));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(raw).toContain("\r\nX-Frame-Options: DENY\r\n");
      expect(raw).toContain("\r\nContent-Security-Policy: ");
      expect(raw).toContain("\r\nX-Content-Type-Options: nosniff\r\n");
      expect(raw).not.toContain("application/json");
    });

    it("the email preview's HTML part may be framed by the preview page only", async () => {
      const { base } = await serve();
      const res = await httpRequest(`${base}/_preview/emails/36/html`);
      expect(res.status).toBe(200);
      expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'self'");
    });
  });

  describe("unsubscribe tokens", () => {
    it("have one canonical form: 001.<mac> and +1.<mac> are not 1.<mac>", async () => {
      const { store, base } = await serve();
      const s = await store.addSubscriber({ email: "canonical@example.org" });
      const token = signToken(secret, "unsubscribe", s);
      const [id, mac] = token.split(".") as [string, string];
      expect((await httpRequest(`${base}/unsubscribe/${token}`)).status).toBe(200);
      for (const variant of [`00${id}.${mac}`, `0${id}.${mac}`, `%2B${id}.${mac}`]) {
        expect((await httpRequest(`${base}/unsubscribe/${variant}`)).status, variant).toBe(400);
      }
    });

    it("limit failed one-click posts per client (429 with Retry-After), while valid ones are never limited", async () => {
      const { store, oneClick } = await serve();
      const valid: string[] = [];
      for (let i = 0; i < 30; i++) valid.push(signToken(secret, "unsubscribe", await store.addSubscriber({ email: `one${i}@example.org` })));
      for (const token of valid.slice(0, 15)) expect((await oneClick(token)).status).toBe(200);
      const forged = (i: number) => `${i + 1}.${"A".repeat(43)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) statuses.push((await oneClick(forged(i))).status);
      expect(statuses).toEqual([...Array(10).fill(400), ...Array(5).fill(429)]);
      const limited = await oneClick(forged(99));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
      // A mail provider's real one-click posts still go through, however many.
      for (const token of valid.slice(15)) expect((await oneClick(token)).status).toBe(200);
      expect((await store.findSubscriber("one29@example.org"))!.status).toBe("unsubscribed");
    });
  });
});
