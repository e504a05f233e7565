import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { OutputCache } from "../src/build/output-cache.ts";
import { OutputError, RenderError } from "../src/errors.ts";
import { fillPlaceholders, findPlaceholders, PLACEHOLDERS } from "../src/render/email/placeholders.ts";
import { displayWidth } from "../src/render/text-wrap.ts";
import { buildFixture } from "./helpers/build.ts";
import { makeProject, REPO, snapshotTree } from "./helpers/project.ts";

type Built = Awaited<ReturnType<typeof buildFixture>>;
const SAMPLE = { email: "o'brien&co@example.org", unsubscribeUrl: "https://example.org/unsubscribe/abc?x=1&y=2" };

function hrefs(html: string): string[] {
  return [...html.matchAll(/<a [^>]*href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&").replace(/&#x3D;/g, "="));
}

/** Every block of text (p, h1-h3, li) with its style attribute and a little of its content. */
function textBlocks(html: string): { tag: string; style: string; text: string }[] {
  return [...html.matchAll(/<(p|h1|h2|h3|li)\b([^>]*)>(.{0,40})/g)].map((m) => ({ tag: m[1]!, style: /style="([^"]*)"/.exec(m[2]!)?.[1] ?? "", text: m[3]! }));
}

describe("the issue 36 email", () => {
  let built: Built;
  let html: string;
  let text: string;
  beforeAll(async () => {
    built = await buildFixture("issue-36");
    [html, text] = await Promise.all([built.read("emails/36.html"), built.read("emails/36.txt")]);
  });

  it("is one MJML-compiled document with lang, preheader, colour-scheme and a CJK font on every text block", () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="zh-CN" dir="ltr"/i);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("本期周刊,我们选择了11篇预训练相关的论文");
    // Hidden by display and size, never by text coloured like its background (spam filters score that).
    expect(html).toMatch(/<div class="preheader" style="display:none;[^"]*mso-hide:all">本期周刊/);
    expect(/<div class="preheader" style="([^"]*)"/.exec(html)![1]).not.toMatch(/color/);
    const blocks = textBlocks(html);
    expect(blocks.length).toBeGreaterThan(40);
    for (const block of blocks) expect(block.style, `${block.tag}: ${block.text}`).toMatch(/font-family: 'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC'/);
    expect(html).toContain('<a href="https://hub.baai.ac.cn/view/14104" lang="en" style="color: #0b5cad; text-decoration: none;">SUPER-ADAM: Faster and Universal Framework of Adaptive Gradients</a>');
  });

  it("has every item, the contributors, view-in-browser, feeds, why-you-get-this and unsubscribe, all with absolute links", () => {
    expect(html.match(/border-top:1px solid #e4e7eb/g)).toHaveLength(12);
    expect(html).toContain("本期贡献者：申德周 翟珂 吴新刚");
    expect(html).toContain('<a href="https://pretraining-weekly.example.org/issues/36/"');
    expect(html).toContain('href="https://pretraining-weekly.example.org/rss.xml"');
    expect(html).toContain(`你收到这封邮件，是因为 ${PLACEHOLDERS.email} 订阅了《预训练周刊》。`);
    expect(html).toContain(`href="${PLACEHOLDERS.unsubscribeUrl}"`);
    for (const href of hrefs(html)) expect(href).toMatch(/^(https?:\/\/|\[\[gazette:unsubscribe_url\]\]$)/);
    for (const img of html.match(/<img\b[^>]*>/g) ?? []) expect(img).toMatch(/alt="[^"]*".*width="\d+"|width="\d+".*alt="[^"]*"/);
  });

  it("stays well under Gmail's clipping point: at most 80 KB", () => {
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(80 * 1024);
    const report = built.result.emails.find((e) => e.number === 36)!;
    expect(report.htmlBytes).toBe(Buffer.byteLength(html));
  });

  it("has a text part written from the model: every title, author list, summary and full link URL", async () => {
    const { loadContent } = await import("../src/content/load.ts");
    const { issues } = await loadContent(REPO);
    const items = issues[0]!.sections.flatMap((s) => s.items);
    const flat = text.replace(/\s/g, "");
    for (const item of items) {
      expect(flat).toContain(item.title.replace(/\s/g, ""));
      expect(flat).toContain(item.summary.replace(/\s/g, "").slice(0, 40));
      for (const url of [item.links.code, item.links.paper, item.links.hub].filter(Boolean)) expect(text).toContain(url);
    }
    expect(text).toContain(`退订：${PLACEHOLDERS.unsubscribeUrl}`);
  });

  it("wraps the text part at 76 columns, CJK counted double, except lines that are a single URL", () => {
    for (const line of text.split("\n")) {
      if (/^\s*https?:\/\/\S+$/.test(line)) continue;
      expect(displayWidth(line), line).toBeLessThanOrEqual(76);
    }
    expect(text).toContain("   本文提出了一个新的网络梯度求解方法。自适应梯度方法在解决许多机器学习问\n   题。");
  });

  it("has the same item links in the HTML and the text part", () => {
    const fromHtml = new Set(hrefs(html).filter((h) => !/pretraining-weekly\.example\.org|\[\[/.test(h)));
    const fromText = new Set([...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]).filter((h) => !/pretraining-weekly\.example\.org/.test(h)));
    expect(fromHtml.size).toBe(27);
    expect(fromText).toEqual(fromHtml);
  });

  it("writes the subject, preheader and placeholder names for the sender", async () => {
    const meta = JSON.parse(await built.read("emails/36.json"));
    expect(meta).toEqual({
      number: 36,
      subject: "《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax",
      preheader: expect.stringMatching(/^本期周刊,我们选择了11篇.{20,}…$/),
      url: "https://pretraining-weekly.example.org/issues/36/",
      images: "https://pretraining-weekly.example.org/images/",
      draft: false,
      html: "36.html",
      text: "36.txt",
      placeholders: { email: "[[gazette:email]]", unsubscribeUrl: "[[gazette:unsubscribe_url]]" },
      bytes: { html: Buffer.byteLength(html), text: Buffer.byteLength(text) },
    });
  });

  it("leaves no placeholder after one substitution, and escapes the values in HTML", () => {
    const filledHtml = fillPlaceholders(html, SAMPLE, "html");
    const filledText = fillPlaceholders(text, SAMPLE, "text");
    expect(findPlaceholders(filledHtml)).toEqual([]);
    expect(findPlaceholders(filledText)).toEqual([]);
    expect(filledHtml).toContain('href="https://example.org/unsubscribe/abc?x=1&amp;y=2"');
    expect(filledHtml).toContain("是因为 o&#39;brien&amp;co@example.org 订阅了");
    expect(filledText).toContain("是因为 o'brien&co@example.org 订阅了");
  });
});

describe("an item with a long first line, and one with no links", () => {
  it("keeps every text line within 76 columns, numbers included, and puts no empty link in the HTML", async () => {
    const title = "Scaling Laws for Neural Language Models Trained on Very Large and Diverse Multilingual Corpora of Web Text, Books, Code and Dialogue, with Ablations on Tokenisers";
    const issue = `---\nnumber: 37\ndate: 2022-01-24\ntitle: 长标题\nsections:\n  - title: 论文推荐\n    items:\n${Array.from({ length: 10 }, (_, i) => `      - title: "${title} ${i}"\n        summary: 摘要。\n${i === 9 ? "" : "        links: { paper: https://arxiv.org/abs/2201.0000" + i + " }\n"}`).join("")}---\nLead.\n`;
    const built = await buildFixture("issue-36", { "037.md": issue });
    const [text, html] = await Promise.all([built.read("emails/37.txt"), built.read("emails/37.html")]);
    expect(text).toContain("10. Scaling Laws for Neural Language Models");
    for (const line of text.split("\n").filter((l) => !/^\s*\S*https?:\/\/\S+$/.test(l))) expect(displayWidth(line), line).toBeLessThanOrEqual(76);
    expect(html).not.toContain('href=""');
    expect(html).toContain(`${title} 9</span></h3>`);
  });
});

describe("the confirmation (double opt-in) email", () => {
  it("is built beside the issues, in the newsletter's language, with the confirm link as button and as text, and no unsubscribe", async () => {
    const built = await buildFixture("issue-36");
    const [html, text, meta] = await Promise.all([built.read("emails/confirm.html"), built.read("emails/confirm.txt"), built.read("emails/confirm.json")]);
    expect(JSON.parse(meta)).toMatchObject({ kind: "confirm", subject: "请确认订阅《预训练周刊》", placeholders: { email: PLACEHOLDERS.email, confirmUrl: PLACEHOLDERS.confirmUrl } });
    expect(html).toMatch(/^<!doctype html>\n<html lang="zh-CN" dir="ltr"/i);
    expect(hrefs(html).filter((h) => h === PLACEHOLDERS.confirmUrl)).toHaveLength(2);
    expect(html).toContain(`有人（希望是你）用 ${PLACEHOLDERS.email} 订阅了《预训练周刊》。点下面的按钮确认，之后每期都会发到这个邮箱：`);
    expect(html).toContain("如果不是你本人操作，忽略这封邮件即可，我们不会再发邮件给你。链接过期后，重新订阅一次就好。");
    expect(html).not.toContain(PLACEHOLDERS.unsubscribeUrl);
    // The text part has no button to point at, and no space between Chinese sentences.
    expect(text).toBe(`预训练周刊

确认订阅

有人（希望是你）用 ${PLACEHOLDERS.email} 订阅了《预训练周刊》。打开下面的链接确
认，之后每期都会发到这个邮箱：

${PLACEHOLDERS.confirmUrl}

如果不是你本人操作，忽略这封邮件即可，我们不会再发邮件给你。链接过期后，重新
订阅一次就好。

-- 
预训练周刊
https://pretraining-weekly.example.org/
`);
    expect(text.split("\n")).toContain(PLACEHOLDERS.confirmUrl);
    for (const line of text.split("\n")) expect(displayWidth(line), line).toBeLessThanOrEqual(76);
    const filled = fillPlaceholders(html, { email: "a@example.org", confirmUrl: "https://example.org/confirm/1.x.y" }, "html");
    expect(findPlaceholders(filled)).toEqual([]);
    expect(() => fillPlaceholders(html, { email: "a@example.org" }, "html")).toThrow("no value for [[gazette:confirm_url]]");
  });

  it("is in English for an English newsletter", async () => {
    const built = await buildFixture("hostile");
    expect(JSON.parse(await built.read("emails/confirm.json")).subject).toMatch(/^Confirm your subscription to /);
    expect(await built.read("emails/confirm.txt")).toBe(`Hostile <&"'> Weekly ]]> digest

Confirm your subscription

Someone (we hope you) asked for Hostile <&"'> Weekly ]]> digest to be sent
to ${PLACEHOLDERS.email}. Confirm by opening the link below and every issue will
arrive here:

${PLACEHOLDERS.confirmUrl}

If it was not you, ignore this mail: you will not hear from us again. If the
link has expired, just sign up again.

-- 
Hostile <&"'> Weekly ]]> digest
https://hostile.example.org/news/
Hostile Weekly <&> 1 Example Street, 10001 Example City
`);
    expect(await built.read("emails/confirm.html")).toContain("Confirm with the button below and every issue will arrive here:");
  });
});

describe("the hostile fixture's email", () => {
  it("shows <script> and markup from content as text, and warns near Gmail's limit", async () => {
    const built = await buildFixture("hostile");
    const html = await built.read("emails/3.html");
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;window.__pwned = true&lt;/script&gt;");
    expect(html.match(/border-top:1px solid #e4e7eb/g)).toHaveLength(60);
    const text = await built.read("emails/3.txt");
    expect(text.replace(/\s+/g, " ")).toContain("<script>window.__pwned = true</script>");
    for (const line of text.split("\n")) if (!/^\s*https?:\/\/\S+$/.test(line)) expect(displayWidth(line), line).toBeLessThanOrEqual(76);
    expect(built.result.warnings.filter((w) => /email HTML/.test(w.expected)).map((w) => w.file)).toEqual(["content/issues/003-hostile.md"]);
    // An image in a summary gets a width (Outlook) and keeps its alt text; the text part keeps the alt.
    const img = html.match(/<img [^>]*src="https:\/\/example\.org\/fig\.png[^>]*>/)?.[0];
    expect(img).toMatch(/^<img width="592" style="max-width:100%;height:auto;font-family:[^"]*'Noto Sans CJK SC'[^"]*;color:#59636e;" src="https:\/\/example\.org\/fig\.png\?a=1&amp;b=2" alt="A &lt;diagram&gt; &amp; more">$/);
    expect(text).toContain("A <diagram> & more");
    // The postal address, when newsletter.yaml gives one, in both parts.
    expect(html).toContain("Hostile Weekly &lt;&amp;&gt; 1 Example Street, 10001 Example City");
    expect(text).toContain("Hostile Weekly <&> 1 Example Street, 10001 Example City");
  });
});

describe("email build failures", () => {
  async function projectWithTemplates(edit: (dir: string) => Promise<void>): Promise<string> {
    const root = await makeProject("issue-36");
    await cp(path.join(REPO, "emails"), path.join(root, "emails"), { recursive: true });
    await edit(path.join(root, "emails"));
    return root;
  }

  it("name the template and MJML's message when the MJML is invalid, and write nothing", async () => {
    const root = await projectWithTemplates(async (dir) => {
      const file = path.join(dir, "partials/masthead.mjml.hbs");
      await writeFile(file, (await readFile(file, "utf8")).replace("<mj-column>", "<mj-column><mj-column>").replace("</mj-column>", "</mj-column></mj-column>"));
    });
    const error = await build({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect((error as RenderError).template).toBe(path.relative(process.cwd(), path.join(root, "emails/issue.mjml.hbs")));
    expect((error as Error).message).toMatch(/MJML rejected the generated document:\n {4}Line \d+ of .*mj-column cannot be used inside mj-column/);
    await expect(readFile(path.join(root, "dist/index.html"))).rejects.toThrow();
  });

  it("name the partial when its Handlebars syntax is broken", async () => {
    const root = await projectWithTemplates(async (dir) => {
      await writeFile(path.join(dir, "partials/footer.mjml.hbs"), "<mj-section>{{#if site.footerHtml}}</mj-section>");
    });
    const error = await build({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RenderError);
    expect((error as Error).message).toMatch(/emails\/partials\/footer\.mjml\.hbs: Parse error on line 1/);
  });

  it("fail past Gmail's 102 KB clipping point, naming the issue and both sizes, and leave dist/ as it was", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    // About 97 KB of text: under the clipping point on its own (so mjml compiles it), over it as HTML.
    const item = `      - title: Padding paper\n        summary: ${"这是一段很长的摘要文字,用来撑大邮件。".repeat(150)}\n`;
    await writeFile(path.join(root, "content/issues/037.md"), `---\nnumber: 37\ndate: 2022-01-24\ntitle: Too big\nsections:\n  - title: 论文推荐\n    items:\n${item.repeat(12)}---\n`);
    const error = await build({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toMatch(/^emails\/37\.html: the email's HTML is 1\d\d\.\d KB \(text part \d+\.\d KB\), past Gmail's clipping point of about 102 KB; shorten content\/issues\/037\.md or split it into two issues$/);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
  });
});

describe("the compiled-email cache", () => {
  it("compiles each email once, and after an edit only the edited issue's", async () => {
    const root = await makeProject("issue-36");
    const source = await readFile(path.join(root, "content/issues/036.md"), "utf8");
    await writeFile(path.join(root, "content/issues/037.md"), source.replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24"));
    const first = await build({ root });
    expect(first.emails.map((e) => [e.number, e.compiled])).toEqual([[37, true], [36, true]]);
    const second = await build({ root });
    expect(second.emails.map((e) => e.compiled)).toEqual([false, false]);
    expect(second.written).toEqual([]);
    await writeFile(path.join(root, "content/issues/037.md"), source.replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24").replace("title: 谷歌提出梯度最大化增长方法GradMax", "title: 第37期"));
    const third = await build({ root });
    expect(third.emails.map((e) => [e.number, e.compiled])).toEqual([[37, true], [36, false]]);
    expect(third.written).toContain("emails/37.html");
    expect(third.written).not.toContain("emails/36.html");
  });

  it("recompiles every email when a template changes", async () => {
    const root = await makeProject("issue-36");
    await cp(path.join(REPO, "emails"), path.join(root, "emails"), { recursive: true });
    expect((await build({ root })).emails[0]!.compiled).toBe(true);
    expect((await build({ root })).emails[0]!.compiled).toBe(false);
    const footer = path.join(root, "emails/partials/footer.mjml.hbs");
    await writeFile(footer, (await readFile(footer, "utf8")).replace("{{labels.why}}", "{{labels.why}} (edited)"));
    const after = await build({ root });
    expect(after.emails[0]!.compiled).toBe(true);
    expect(await readFile(path.join(root, "dist/emails/36.html"), "utf8")).toContain("订阅了《预训练周刊》。 (edited)");
  });

  it("keys cannot collide by moving text between parts", () => {
    expect(OutputCache.keyOf(["ab", "c"])).not.toBe(OutputCache.keyOf(["a", "bc"]));
    expect(OutputCache.keyOf(["a", "b"])).toBe(OutputCache.keyOf(["a", "b"]));
  });
});

describe("the text part of an English newsletter", () => {
  it("wraps English between words and keeps long URLs whole", async () => {
    const root = await makeProject("hostile");
    await mkdir(path.join(root, "x"), { recursive: true });
    const built = await build({ root });
    expect(built.emails.length).toBe(4);
    const text = await readFile(path.join(root, "dist/emails/1.txt"), "utf8");
    expect(text).toMatch(/^Hostile <&"'> Weekly \]\]> digest #1: The first issue\n/);
    expect(text).toContain("Unsubscribe: [[gazette:unsubscribe_url]]");
  });
});
