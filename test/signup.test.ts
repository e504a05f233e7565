import type { FastifyInstance } from "fastify";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import type { ConfirmMeta } from "../src/build/emails.ts";
import { readConfig } from "../src/config.ts";
import { loadContent } from "../src/content/load.ts";
import type { Newsletter } from "../src/model/newsletter.ts";
import { ConfirmationMailer } from "../src/send/confirmations.ts";
import { prepareConfirmation } from "../src/send/message.ts";
import { readSecret, signConfirmToken, signToken, verifyConfirmToken } from "../src/send/tokens.ts";
import { createSmtpTransport } from "../src/send/transport.ts";
import { openSubscriptions } from "../src/cli/serve.ts";
import { createApp } from "../src/server/app.ts";
import type { SubscriptionLimits } from "../src/server/subscriptions.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { httpRequest, type HttpResponse } from "./helpers/http.ts";
import { makeProject } from "./helpers/project.ts";
import { startSmtpServer } from "./helpers/smtp.ts";

const HOUR = 3600_000;

/**
 * The signup routes against a real server on port 0, a real SQLite file and
 * a real SMTP server whose messages are parsed with mailparser. The clock
 * is the test's, so expiry and throttling are exercised without waiting.
 */
describe("signing up with double opt-in", () => {
  let root: string;
  let newsletter: Newsletter;
  let secret: Buffer;
  let confirmation: { meta: ConfirmMeta; html: string; text: string };
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const open: { app: FastifyInstance; store: SqliteStore; mailer: ConfirmationMailer }[] = [];
  let clock = Date.parse("2026-11-29T08:00:00Z");

  beforeAll(async () => {
    root = await makeProject("issue-36");
    await build({ root });
    newsletter = (await loadContent(root)).newsletter;
    secret = readSecret(path.join(root, "data"));
    const dir = path.join(root, "dist/emails");
    const meta = JSON.parse(await readFile(path.join(dir, "confirm.json"), "utf8")) as ConfirmMeta;
    confirmation = { meta, html: await readFile(path.join(dir, meta.html), "utf8"), text: await readFile(path.join(dir, meta.text), "utf8") };
    smtp = await startSmtpServer({
      onRcpt: (address) => (address === "nobody@example.org" ? { code: 550, message: "5.1.1 <nobody@example.org>: User unknown" } : undefined),
    });
  });
  afterEach(async () => {
    for (const { app, store, mailer } of open.splice(0)) {
      await app.close();
      await mailer.close();
      await store.close();
    }
  });
  afterAll(async () => smtp.close());

  /** A server with its own SQLite file, mailing through the test's SMTP server. */
  async function serve(limits: Partial<SubscriptionLimits> = {}, app_: { trustProxy?: boolean } = {}) {
    const store = new SqliteStore(path.join(root, `data/signup-${open.length}-${Date.now()}.sqlite`));
    const config = readConfig({ SMTP_URL: smtp.url, SMTP_POOL_SIZE: "1" });
    let base = "";
    const mailer = new ConfirmationMailer({
      message: prepareConfirmation({ subject: confirmation.meta.subject, html: confirmation.html, text: confirmation.text, newsletter, date: new Date(clock) }),
      transport: await createSmtpTransport(config),
      store,
      secret,
      newsletter,
      ttlMs: 48 * HOUR,
      linkBase: () => `${base}/`,
      now: () => new Date(clock),
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const app = await createApp({
      ...app_,
      distDir: path.join(root, "dist"),
      subscriptions: { store, secret, newsletter, mailer, now: () => new Date(clock), limits: { subscribe: { max: 1000, windowMs: HOUR }, ...limits } },
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    open.push({ app, store, mailer });
    const post = (pathname: string, body: string, headers: Record<string, string> = { Origin: base }) =>
      httpRequest(`${base}${pathname}`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body });
    const subscribe = (email: string, extra = "") => post("/subscribe", `email=${encodeURIComponent(email)}&website=${extra}`);
    return { app, store, mailer, base, post, subscribe };
  }

  /** The mails that reached the SMTP server for one address, parsed. */
  async function mailsTo(address: string): Promise<ParsedMail[]> {
    return Promise.all(smtp.accepted.filter((m) => m.to.includes(address)).map((m) => simpleParser(m.raw)));
  }

  function confirmPath(mail: ParsedMail): string {
    const href = /href="([^"]*\/confirm\/[^"]+)"/.exec(mail.html as string)![1]!;
    return new URL(href).pathname;
  }

  it("puts the signup form, with its honeypot, on the index and on every issue page", async () => {
    const { base } = await serve();
    for (const [pathname, action] of [["/", "subscribe"], ["/issues/36/", "../../subscribe"]] as const) {
      const res = await httpRequest(`${base}${pathname}`);
      expect(res.body).toContain(`<form class="signup" method="post" action="${action}">`);
      expect(new URL(action, `${base}${pathname}`).pathname).toBe("/subscribe");
      expect(res.body).toMatch(/<input id="signup-email" name="email" type="email" required/);
      expect(res.body).toMatch(/<div class="hp" aria-hidden="true">.*name="website".*tabindex="-1"/);
      expect(res.body).toContain("邮件订阅");
    }
  });

  it("adds a new address as pending and mails a confirmation link that works once, for 48 hours", async () => {
    const { store, mailer, subscribe } = await serve();
    const res = await subscribe("Reader.One@Example.ORG");
    expect(res.status).toBe(200);
    expect(res.body).toContain("请查收 reader.one@example.org 的邮箱");
    expect(res.headers["cache-control"]).toBe("no-store");
    const subscriber = (await store.findSubscriber("reader.one@example.org"))!;
    expect(subscriber).toMatchObject({ status: "pending", source: "web" });
    await mailer.drain();
    const [mail, more] = await mailsTo("reader.one@example.org");
    expect(more).toBeUndefined();
    expect(mail!.subject).toBe("请确认订阅《预训练周刊》");
    expect(mail!.from!.text).toBe('"预训练周刊" <weekly@pretraining-weekly.example.org>');
    // Not on the list yet: no list headers.
    expect(mail!.headers.has("list-unsubscribe")).toBe(false);
    expect(mail!.html).toContain("有人（希望是你）用 reader.one@example.org 订阅了《预训练周刊》");
    const token = confirmPath(mail!).replace("/confirm/", "");
    expect(mail!.text).toContain(`/confirm/${token}`);
    expect(await store.confirmationMails(subscriber.id)).toMatchObject([{ state: "sent" }]);
    const target = (id: number) => store.confirmTarget(id);
    expect(await verifyConfirmToken(secret, token, target, new Date(clock + 47 * HOUR))).toMatchObject({ ok: true, id: subscriber.id });
    expect(await verifyConfirmToken(secret, token, target, new Date(clock + 48 * HOUR + 1000))).toEqual({ ok: false, reason: "expired" });
  });

  it("answers the same whether the address is new, pending, confirmed or unsubscribed, and mails only those not confirmed", async () => {
    const { store, mailer, subscribe } = await serve();
    await store.addSubscriber({ email: "known@example.org", status: "confirmed" });
    await store.addSubscriber({ email: "left@example.org", status: "unsubscribed" });
    const bodies = new Set<string>();
    for (const email of ["fresh@example.org", "fresh@example.org", "known@example.org", "left@example.org"]) {
      const res = await subscribe(email);
      expect(res.status).toBe(200);
      bodies.add(res.body.replaceAll(email, "ADDRESS"));
    }
    expect(bodies.size).toBe(1);
    await mailer.drain();
    expect((await mailsTo("known@example.org")).length).toBe(0);
    expect((await mailsTo("fresh@example.org")).length).toBe(1); // the second signup came too soon for another
    expect((await mailsTo("left@example.org")).length).toBe(1);
    // Someone who left stays unsubscribed until they confirm.
    expect((await store.findSubscriber("left@example.org"))!.status).toBe("unsubscribed");
  });

  it("sends one address at most one confirmation per 10 minutes and three a day, however often it is signed up", async () => {
    const { store, mailer, subscribe } = await serve();
    const count = async () => {
      await mailer.drain();
      return (await mailsTo("bombed@example.org")).length;
    };
    for (let i = 0; i < 5; i++) expect((await subscribe("bombed@example.org")).status).toBe(200);
    expect(await count()).toBe(1);
    clock += 11 * 60_000;
    await subscribe("bombed@example.org");
    await subscribe("bombed@example.org");
    expect(await count()).toBe(2);
    clock += 11 * 60_000;
    await subscribe("bombed@example.org");
    clock += 11 * 60_000;
    await subscribe("bombed@example.org");
    expect(await count()).toBe(3);
    clock += 24 * HOUR;
    await subscribe("bombed@example.org");
    expect(await count()).toBe(4);
    // A later signup does not break the links already mailed: every one still works.
    const id = (await store.findSubscriber("bombed@example.org"))!.id;
    for (const mail of await mailsTo("bombed@example.org")) {
      const token = confirmPath(mail).replace("/confirm/", "");
      expect(await verifyConfirmToken(secret, token, (n) => store.confirmTarget(n), new Date(clock))).toMatchObject({ ok: true, id });
    }
  });

  it("takes a filled honeypot for a bot: the same page, nothing stored, nothing sent", async () => {
    const { store, mailer, subscribe } = await serve();
    const bot = await subscribe("victim@example.org", "https%3A%2F%2Fspam.example");
    const person = await subscribe("person@example.org");
    expect(bot.status).toBe(200);
    expect(bot.body.replace("victim@example.org", "X")).toBe(person.body.replace("person@example.org", "X"));
    await mailer.drain();
    expect(await store.findSubscriber("victim@example.org")).toBeUndefined();
    expect(await mailsTo("victim@example.org")).toEqual([]);
  });

  it.each([
    ["no @", "not-an-address"],
    ["no domain dot", "reader@localhost"],
    ["a header injection", "reader@example.org\r\nBcc: everyone@example.org"],
    ["a second address", "a@example.org, b@example.org"],
    ["markup", "<script>alert(1)</script>@example.org"],
    ["an address over 254 characters", `${"a".repeat(64)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(10)}.org`],
    ["nothing", ""],
  ])("refuses %s with the form again, what was typed escaped, and stores nothing", async (_name, typed) => {
    const { store, subscribe } = await serve();
    const res = await subscribe(typed);
    expect(res.status).toBe(400);
    expect(res.body).toContain('role="alert">这不像一个邮箱地址，请检查后再试');
    expect(res.body).toContain('aria-invalid="true"');
    expect(res.body).not.toContain("<script>alert");
    expect(res.body).not.toMatch(/\r\nBcc/);
    expect(await store.countSubscribers()).toBe(0);
  });

  it("refuses cross-site posts, posts with no Origin or Referer, and oversize bodies", async () => {
    const { store, post } = await serve();
    const body = "email=reader%40example.org&website=";
    const crossSite = await post("/subscribe", body, { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body).toContain("这个表单必须从本站提交。");
    expect((await post("/subscribe", body, {})).status).toBe(403);
    expect((await post("/subscribe", body, { Referer: "https://evil.example/page" })).status).toBe(403);
    const huge = await post("/subscribe", `${body}&padding=${"x".repeat(5000)}`);
    expect(huge.status).toBe(413);
    expect(huge.headers["content-type"]).toContain("text/html");
    expect(huge.body).toContain("提交的内容太大。");
    expect(await store.countSubscribers()).toBe(0);
  });

  it("limits signups per client with a 429 page that says when to come back", async () => {
    const { subscribe } = await serve({ subscribe: { max: 3, windowMs: HOUR } });
    for (let i = 0; i < 3; i++) expect((await subscribe(`r${i}@example.org`)).status).toBe(200);
    const limited = await subscribe("r4@example.org");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(limited.body).toContain("请求太频繁，请过几分钟再试。");
  });

  it("records a confirmation the relay rejects, and still answers the reader the same way", async () => {
    const { store, mailer, subscribe } = await serve();
    const res = await subscribe("nobody@example.org");
    expect(res.status).toBe(200);
    await mailer.drain();
    const id = (await store.findSubscriber("nobody@example.org"))!.id;
    expect(await store.confirmationMails(id)).toMatchObject([{ state: "failed", detail: expect.stringMatching(/^550 5\.1\.1: .*User unknown/) }]);
  });

  it("sends, when gazette serve starts, the confirmations still queued when it stopped; skips those too old to matter", async () => {
    // Queued by an earlier server that stopped before sending them (real time: serve's own clock).
    const earlier = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    const throttle = { minIntervalMs: 0, maxPerDay: 10 };
    const stale = await earlier.requestSignup("stale@example.org", { source: "web", now: new Date(Date.now() - 2 * HOUR), throttle });
    const waiting = await earlier.requestSignup("waiting@example.org", { source: "web", now: new Date(Date.now() - 60_000), throttle });
    expect(await earlier.confirmationMails(waiting.subscriber.id)).toMatchObject([{ state: "queued" }]);
    await earlier.close();
    const io = { out: () => {}, err: () => {} };
    const started = (await openSubscriptions(io, root, path.join(root, "dist"), readConfig({ SMTP_URL: smtp.url })))!;
    try {
      // Nothing but starting up sends it: no signup, no drain() here.
      for (let i = 0; i < 100 && (await mailsTo("waiting@example.org")).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await mailsTo("waiting@example.org")).length).toBe(1);
      await started.deps.mailer!.drain();
      expect(await started.deps.store.confirmationMails(waiting.subscriber.id)).toMatchObject([{ state: "sent" }]);
      expect(await mailsTo("stale@example.org")).toEqual([]);
      expect(await started.deps.store.confirmationMails(stale.subscriber.id)).toMatchObject([{ state: "skipped", detail: "queued too long to be worth sending" }]);
    } finally {
      await started.close();
    }
  });

  it("never mails, confirms or re-subscribes a bounced or complained address from the web", async () => {
    const { store, mailer, subscribe, post } = await serve();
    for (const status of ["bounced", "complained"] as const) {
      const s = await store.addSubscriber({ email: `${status}@example.org`, status });
      const signup = await subscribe(s.email);
      expect(signup.status).toBe(200);
      expect(signup.body).toContain(`请查收 ${s.email} 的邮箱`);
      const link = `/unsubscribe/${signToken(secret, "unsubscribe", s)}`;
      expect((await post(link, "")).status).toBe(200);
      expect((await post(`${link}/resubscribe`, "")).status).toBe(400);
      expect((await store.getSubscriber(s.id))!.status).toBe(status);
      expect(await store.confirmationMails(s.id)).toEqual([]);
    }
    await mailer.drain();
    expect(await mailsTo("bounced@example.org")).toEqual([]);
  });

  it("reads a JSON body as an empty form, and caps confirm and unsubscribe bodies at 1 KB", async () => {
    const { store, post, base } = await serve();
    const json = await post("/subscribe", JSON.stringify({ email: { a: 1 }, website: "" }), { Origin: base, "Content-Type": "application/json" });
    expect(json.status).toBe(400);
    expect(json.body).toContain("这不像一个邮箱地址");
    const s = await store.addSubscriber({ email: "big@example.org" });
    for (const pathname of [`/unsubscribe/${signToken(secret, "unsubscribe", s)}`, "/confirm/1.x.y"]) {
      expect((await post(pathname, `x=${"a".repeat(2000)}`)).status).toBe(413);
    }
    expect((await store.getSubscriber(s.id))!.status).toBe("confirmed");
  });

  it("behind a trusted proxy, takes form posts from the public host the proxy names", async () => {
    const { store, base } = await serve({}, { trustProxy: true });
    const res = await httpRequest(`${base}/subscribe`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Host": "news.example.org", "X-Forwarded-Proto": "https", Origin: "https://news.example.org" },
      body: "email=proxied%40example.org&website=",
    });
    expect(res.status).toBe(200);
    expect((await store.findSubscriber("proxied@example.org"))!.status).toBe("pending");
  });

  it("confirms only by POST: GET (what link scanners do) shows a button; a second click says already", async () => {
    const { store, mailer, subscribe, base, post } = await serve();
    await subscribe("clicker@example.org");
    await mailer.drain();
    const link = confirmPath((await mailsTo("clicker@example.org"))[0]!);
    const shown = await httpRequest(`${base}${link}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toContain("确认订阅《预训练周刊》？地址：<strong>c******@example.org</strong>");
    expect(shown.body).toContain(`<form method="post" action="${link}">`);
    expect((await store.findSubscriber("clicker@example.org"))!.status).toBe("pending");
    expect((await post(link, "", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await store.findSubscriber("clicker@example.org"))!.status).toBe("pending");
    const done = await post(link, "");
    expect(done.status).toBe(200);
    expect(done.body).toContain("订阅成功！以后每期《预训练周刊》都会发到你的邮箱。");
    expect((await store.findSubscriber("clicker@example.org"))!.status).toBe("confirmed");
    const again = await post(link, "");
    expect(again.body).toContain("你已经订阅了《预训练周刊》。");
    expect((await httpRequest(`${base}${link}`)).body).toContain("你已经订阅了《预训练周刊》。");
  });

  it("never lets an old confirmation link sign up someone who has since unsubscribed", async () => {
    const { store, mailer, subscribe, base, post } = await serve();
    await subscribe("leaver@example.org");
    await mailer.drain();
    const link = confirmPath((await mailsTo("leaver@example.org"))[0]!);
    await post(link, "");
    const subscriber = (await store.findSubscriber("leaver@example.org"))!;
    expect((await post(`/unsubscribe/${signToken(secret, "unsubscribe", subscriber)}`, "")).status).toBe(200);
    const reused = await post(link, "");
    expect(reused.status).toBe(400);
    expect(reused.body).toContain("这个链接无效或已过期。在下面重新订阅即可。");
    expect((await httpRequest(`${base}${link}`)).status).toBe(400);
    expect((await store.findSubscriber("leaver@example.org"))!.status).toBe("unsubscribed");
  });

  it("gives expired, forged, malformed and foreign-secret tokens one page that reveals nothing", async () => {
    const { store, subscribe, mailer, base, post } = await serve();
    await subscribe("late@example.org");
    await mailer.drain();
    const link = confirmPath((await mailsTo("late@example.org"))[0]!);
    const subscriber = (await store.findSubscriber("late@example.org"))!;
    const nonce = (await store.confirmTarget(subscriber.id))!.nonce!;
    const token = link.replace("/confirm/", "");
    const variants = {
      expired: token, // read after the clock moves on
      forged: token.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
      otherSubscriber: token.replace(/^\d+/, String(subscriber.id + 1)),
      longerExpiry: signConfirmToken(Buffer.from("not the secret"), { ...subscriber, nonce }, new Date(clock + 1000 * HOUR)),
      malformed: "1.2.3",
      junk: "%E2%80%AE%3Cscript%3E",
    };
    clock += 49 * HOUR;
    const pages = new Set<string>();
    for (const [name, t] of Object.entries(variants)) {
      const get = await httpRequest(`${base}/confirm/${t}`);
      const posted = await post(`/confirm/${t}`, "");
      expect([get.status, posted.status], name).toEqual([400, 400]);
      pages.add(get.body).add(posted.body);
    }
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain("这个链接无效或已过期。在下面重新订阅即可。");
    expect([...pages][0]).toContain('<form class="signup" method="post" action="/subscribe">');
    expect((await store.findSubscriber("late@example.org"))!.status).toBe("pending");
    // Signing up again mails a fresh link that works.
    await subscribe("late@example.org");
    await mailer.drain();
    const fresh = confirmPath((await mailsTo("late@example.org"))[1]!);
    expect((await post(fresh, "")).status).toBe(200);
    expect((await store.findSubscriber("late@example.org"))!.status).toBe("confirmed");
  });

  it("offers to undo an unsubscribe from the page that confirms it, for a week", async () => {
    const { store, base, post } = await serve();
    const a = await store.addSubscriber({ email: "oops@example.org" });
    const b = await store.addSubscriber({ email: "gone@example.org" });
    const pathOf = (s: { id: number; email: string }) => `/unsubscribe/${signToken(secret, "unsubscribe", s)}`;
    const done = await post(pathOf(a), "");
    expect(done.body).toContain("已退订。你不会再收到《预训练周刊》。");
    expect(done.body).toContain(`<form method="post" action="${pathOf(a)}/resubscribe">`);
    expect((await httpRequest(`${base}${pathOf(a)}`)).body).toContain(`action="${pathOf(a)}/resubscribe"`);
    expect((await post(`${pathOf(a)}/resubscribe`, "", { Origin: "https://evil.example" })).status).toBe(403);
    const back = await post(`${pathOf(a)}/resubscribe`, "");
    expect(back.status).toBe(200);
    expect(back.body).toContain("欢迎回来！你重新订阅了《预训练周刊》。");
    expect((await store.getSubscriber(a.id))!.status).toBe("confirmed");

    await post(pathOf(b), "");
    clock += 8 * 24 * HOUR;
    const late = await post(`${pathOf(b)}/resubscribe`, "");
    expect(late.status).toBe(400);
    expect(late.body).toContain("这个链接已经不能重新订阅了。");
    expect((await store.getSubscriber(b.id))!.status).toBe("unsubscribed");
  });

  it("does not rate-limit RFC 8058 one-click unsubscribes, which mail providers send in bulk", async () => {
    const { store, base, post } = await serve({ actions: { max: 2, windowMs: HOUR } });
    const readers = await Promise.all([1, 2, 3, 4, 5].map((n) => store.addSubscriber({ email: `bulk${n}@example.org` })));
    for (const r of readers) {
      const res = await post(`/unsubscribe/${signToken(secret, "unsubscribe", r)}`, "List-Unsubscribe=One-Click", {});
      expect(res).toMatchObject({ status: 200, body: "Unsubscribed." });
    }
    expect(await store.countSubscribers("unsubscribed")).toBe(5);
    const pages: HttpResponse[] = [];
    for (let i = 0; i < 3; i++) pages.push(await httpRequest(`${base}/unsubscribe/${signToken(secret, "unsubscribe", readers[0]!)}`));
    expect(pages.map((p) => p.status)).toEqual([200, 200, 429]);
  });

  it("answers a path that is not there with a page in the newsletter's language that leads back to the archive", async () => {
    const { base } = await serve();
    const res = await httpRequest(`${base}/issues/99/`);
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.body).toContain("找不到这个页面。");
    expect(res.body).toContain('<a class="masthead-title" href="/">预训练周刊</a>');
    // The preview reads only built emails, by name: no way out of dist/emails/.
    expect((await httpRequest(`${base}/_preview/emails/..%2F..%2Fpackage/version`)).status).toBe(404);
  });

  it("sends security headers and no inline script on every page it answers with", async () => {
    const { base, subscribe } = await serve();
    for (const res of [await httpRequest(`${base}/subscribe`), await subscribe("h@example.org"), await httpRequest(`${base}/confirm/1.x.y`)]) {
      expect(res.headers["content-security-policy"]).toMatch(/default-src 'self'/);
      expect(res.headers["content-security-policy"]).not.toContain("unsafe-inline");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(res.body).toContain('<meta name="robots" content="noindex">');
    }
  });
});
