import { appendFile, readFile } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import type { EmailMeta } from "../src/build/emails.ts";
import { createApp } from "../src/server/app.ts";
import { isScanner } from "../src/server/clicks.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { httpRequest } from "./helpers/http.ts";
import { runCli } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

const BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const PAPER = "https://arxiv.org/pdf/2106.08208v9.pdf";
const { SMTP_URL: _s, DATABASE_URL: _d, GAZETTE_SECRET: _g, GAZETTE_PUBLIC_URL: _p, ...ENV } = process.env;

async function builtProject(clicks: boolean) {
  const root = await makeProject("issue-36");
  if (clicks) await appendFile(path.join(root, "content/newsletter.yaml"), "\nanalytics:\n  clicks: true\n");
  await build({ root });
  const dir = path.join(root, "dist/emails");
  const meta = JSON.parse(await readFile(path.join(dir, "36.json"), "utf8")) as EmailMeta;
  return { root, meta, html: await readFile(path.join(dir, "36.html"), "utf8"), text: await readFile(path.join(dir, "36.txt"), "utf8") };
}

const hrefs = (html: string) => [...html.matchAll(/<a\b[^>]*\shref="([^"]*)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
const textUrls = (text: string) => [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]);

describe("click counting off (the default)", () => {
  it("leaves every link of the email the paper's own, with no link table", async () => {
    const { meta, html, text } = await builtProject(false);
    expect(meta.links).toBeUndefined();
    expect(Object.keys(meta.placeholders)).not.toContain("linkBase");
    for (const part of [html, text]) {
      expect(part).not.toContain("/r/36/");
      expect(part).not.toContain("link_base");
    }
    expect(hrefs(html)).toContain(PAPER);
    expect(textUrls(text)).toContain(PAPER);
  });
});

describe("click counting on", () => {
  let root: string;
  let meta: EmailMeta;
  let store: SqliteStore;
  let app: FastifyInstance;
  let base: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let mail: ParsedMail;

  beforeAll(async () => {
    ({ root, meta } = await builtProject(true));
    store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    await store.addSubscriber({ email: "reader@example.org", status: "confirmed" });
    app = await createApp({ distDir: path.join(root, "dist"), clicks: { store: store.schedules } });
    base = (await app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
    smtp = await startSmtpServer();
    const sent = await runCli(["send", "36", "--yes"], root, { ...ENV, SMTP_URL: smtp.url, GAZETTE_PUBLIC_URL: `${base}/` });
    expect(sent.status, sent.stderr).toBe(0);
    expect(smtp.accepted).toHaveLength(1);
    mail = await simpleParser(smtp.accepted[0]!.raw);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await store?.close();
  });

  it("points the HTML and text parts' content links at /r/, all but view-in-browser, unsubscribe and the site's own pages", () => {
    const own = new Set([meta.url, "https://pretraining-weekly.example.org/", "https://pretraining-weekly.example.org/rss.xml", "https://pretraining-weekly.example.org/atom.xml", "https://pretraining-weekly.example.org/feed.json"]);
    const html = hrefs(mail.html as string);
    const text = textUrls(mail.text!);
    for (const urls of [html, text]) {
      const redirected = urls.filter((u) => u.startsWith(`${base}/r/36/`));
      const others = urls.filter((u) => !u.startsWith(`${base}/r/36/`));
      expect(redirected.length).toBeGreaterThanOrEqual(meta.links!.length - 1);
      // What is left: the page, the archive and feeds, and the unsubscribe link.
      expect(others.filter((u) => !own.has(u) && !u.startsWith(`${base}/unsubscribe/`))).toEqual([]);
      expect(others).toContain(meta.url);
      expect(others.some((u) => u.startsWith(`${base}/unsubscribe/`))).toBe(true);
      expect(urls).not.toContain(PAPER);
    }
    // Every link of the table is in the HTML part.
    expect(new Set(html.filter((u) => u.includes("/r/36/")))).toEqual(new Set(meta.links!.map((_, i) => `${base}/r/36/${i + 1}`)));
    const listUnsubscribe = (mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url;
    expect(listUnsubscribe.startsWith(`${base}/unsubscribe/`)).toBe(true);
    expect(mail.html).not.toContain("link_base");
    expect(mail.text).not.toContain("link_base");
  });

  it("resolves the received message's links through the server to the right papers", async () => {
    const targets = new Set<string>();
    for (const url of new Set(hrefs(mail.html as string).filter((u) => u.includes("/r/36/")))) {
      const res = await httpRequest(url, { method: "HEAD", headers: { "User-Agent": BROWSER } });
      expect(res.status).toBe(302);
      targets.add(res.headers.location as string);
    }
    expect(targets).toEqual(new Set(meta.links));
    expect(targets).toContain(PAPER);
    // The text part's link for the paper is the same /r/ link as the HTML's.
    const paperLink = `${base}/r/36/${meta.links!.indexOf(PAPER) + 1}`;
    expect(textUrls(mail.text!)).toContain(paperLink);
    expect(hrefs(mail.html as string)).toContain(paperLink);
  });

  it("gazette clicks lists the issue's links by clicks", async () => {
    const printed = await runCli(["clicks", "36", "--json"], root, ENV);
    expect(printed.status, printed.stderr).toBe(0);
    const rows = JSON.parse(printed.stdout) as { link: number; url: string; clicks: number }[];
    expect(rows.map((r) => r.url).sort()).toEqual([...meta.links!].sort());
  });
});

describe("GET /r/<issue>/<n>", () => {
  let root: string;
  let meta: EmailMeta;
  let store: SqliteStore;

  beforeAll(async () => {
    ({ root, meta } = await builtProject(true));
    store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
  });
  afterAll(async () => store?.close());

  /** A server for one scenario; `done` stops it, which counts every click still held, and returns the counts. */
  async function serve() {
    const app = await createApp({ distDir: path.join(root, "dist"), trustProxy: true, clicks: { store: store.schedules } });
    const base = (await app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
    const get = (p: string, headers: Record<string, string> = {}, method = "GET") => httpRequest(`${base}${p}`, { method, headers: { "User-Agent": BROWSER, ...headers } });
    const done = async () => {
      await app.close();
      return Object.fromEntries(await store.schedules.clicksByLink(36));
    };
    return { get, done };
  }

  it("redirects (302) to the link's paper and counts a click once", async () => {
    const before = (await store.schedules.clicksByLink(36)).get(3) ?? 0;
    const { get, done } = await serve();
    const res = await get("/r/36/3", { "X-Forwarded-For": "198.51.100.1" });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(meta.links![2]);
    expect(res.headers["set-cookie"]).toBeUndefined();
    const counts = await done();
    expect(counts[3]).toBe(before + 1);
  });

  it("does not count HEAD requests or link scanners, and still redirects them", async () => {
    const before = Object.fromEntries(await store.schedules.clicksByLink(36));
    const { get, done } = await serve();
    const head = await get("/r/36/5", { "X-Forwarded-For": "198.51.100.2" }, "HEAD");
    expect(head.status).toBe(302);
    expect(head.headers.location).toBe(meta.links![4]);
    for (const ua of ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b", "Barracuda Sentinel (EE)", "Mozilla/5.0 (compatible; Googlebot/2.1)", ""]) {
      const res = await get("/r/36/5", { "X-Forwarded-For": "198.51.100.3", "User-Agent": ua });
      expect(res.status).toBe(302);
    }
    expect(await done()).toEqual(before);
  });

  it("does not count a burst: one client fetching four links of an issue within seconds counts nothing, then stays uncounted", async () => {
    const before = Object.fromEntries(await store.schedules.clicksByLink(36));
    const { get, done } = await serve();
    for (const n of [6, 7, 8, 9]) expect((await get(`/r/36/${n}`, { "X-Forwarded-For": "198.51.100.4" })).status).toBe(302);
    // Later clicks of that client on that issue are not counted either; another reader's are.
    expect((await get("/r/36/10", { "X-Forwarded-For": "198.51.100.4" })).status).toBe(302);
    expect((await get("/r/36/10", { "X-Forwarded-For": "198.51.100.5" })).status).toBe(302);
    // A reader who opens two papers is counted for both, and a double click once.
    for (const n of [11, 12, 12]) await get(`/r/36/${n}`, { "X-Forwarded-For": "198.51.100.6" });
    const after = await done();
    for (const n of [6, 7, 8, 9]) expect(after[n]).toBe(before[n]);
    expect(after[10]).toBe((before[10] ?? 0) + 1);
    expect(after[11]).toBe((before[11] ?? 0) + 1);
    expect(after[12]).toBe((before[12] ?? 0) + 1);
  });

  it("answers a forged path with 404 and no Location, counting nothing", async () => {
    const before = Object.fromEntries(await store.schedules.clicksByLink(36));
    const { get, done } = await serve();
    const forged = [`/r/36/${meta.links!.length + 1}`, "/r/36/0", "/r/36/-1", "/r/36/abc", "/r/36/1.5", "/r/36/01", "/r/37/1", "/r/35/1", "/r/036/1", "/r/36/https:%2F%2Fevil.example", "/r/36/", "/r/36"];
    for (const p of forged) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.location, p).toBeUndefined();
    }
    expect(await done()).toEqual(before);
    expect(Object.fromEntries(await store.schedules.clicksByLink(37))).toEqual({});
  });

  it("has no link table without analytics on, so nothing redirects", async () => {
    const off = await builtProject(false);
    const offStore = new SqliteStore(path.join(off.root, "data/gazette.sqlite"));
    const app = await createApp({ distDir: path.join(off.root, "dist"), clicks: { store: offStore.schedules } });
    const base = (await app.listen({ port: 0, host: "127.0.0.1" })).replace(/\/$/, "");
    const res = await httpRequest(`${base}/r/36/1`, { headers: { "User-Agent": BROWSER } });
    expect(res.status).toBe(404);
    expect(res.headers.location).toBeUndefined();
    await app.close();
    await offStore.close();
  });
});

describe("isScanner", () => {
  it("tells the scanners mail providers run from readers' browsers", () => {
    for (const ua of ["Mozilla/5.0 (compatible; Proofpoint URL Defense)", "Mimecast-URL-Protect/1.0", "Google-Safety", "python-requests/2.31", "curl/8.5.0", "Mozilla/5.0 (compatible; SomeCrawler/1.0)", "Mozilla/5.0 HeadlessChrome/120.0"]) {
      expect(isScanner(ua), ua).toBe(true);
    }
    for (const ua of [BROWSER, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN"]) {
      expect(isScanner(ua), ua).toBe(false);
    }
  });
});
