import { beforeAll, describe, expect, it } from "vitest";
import { buildFixture } from "./helpers/build.ts";

type Built = Awaited<ReturnType<typeof buildFixture>>;

function metaContent(html: string, attr: "name" | "property", key: string): string | undefined {
  return new RegExp(`<meta ${attr}="${key}" content="([^"]*)">`).exec(html)?.[1];
}

describe("archive pages of issue 36", () => {
  let built: Built;
  let page: string;
  let index: string;
  beforeAll(async () => {
    built = await buildFixture("issue-36");
    page = await built.read("issues/36/index.html");
    index = await built.read("index.html");
  });

  it("declare the newsletter's language and mark English titles and authors as English", () => {
    expect(page).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(page).toContain('<a href="https://hub.baai.ac.cn/view/14104" lang="en">SUPER-ADAM: Faster and Universal Framework of Adaptive Gradients</a>');
    expect(page).toContain('作者：<span lang="en">Mikel Artetxe, Ves Stoyanov等</span>');
    expect(page).toContain('<p class="translation">混合专家的高效大规模语言建模</p>');
  });

  it("have a canonical URL, Open Graph tags and alternate links to all three feeds", () => {
    expect(page).toContain('<link rel="canonical" href="https://pretraining-weekly.example.org/issues/36/">');
    expect(metaContent(page, "property", "og:title")).toBe("《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax");
    expect(metaContent(page, "property", "og:type")).toBe("article");
    expect(metaContent(page, "property", "og:url")).toBe("https://pretraining-weekly.example.org/issues/36/");
    expect(metaContent(page, "property", "og:locale")).toBe("zh_CN");
    expect(metaContent(page, "property", "og:description")).toMatch(/^本期周刊,我们选择了11篇/);
    for (const html of [page, index]) {
      expect(html).toContain('<link rel="alternate" type="application/rss+xml" title="预训练周刊 (RSS)" href="https://pretraining-weekly.example.org/rss.xml">');
      expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="预训练周刊 (Atom)" href="https://pretraining-weekly.example.org/atom.xml">');
      expect(html).toContain('<link rel="alternate" type="application/feed+json" title="预训练周刊 (JSON Feed)" href="https://pretraining-weekly.example.org/feed.json">');
    }
  });

  it("show every item with its links, the lead and the contributors", () => {
    expect(page.match(/<article class="item"/g)).toHaveLength(12);
    expect(page).toContain("<h2>论文推荐</h2>");
    expect(page).toContain("<h2>研究动态</h2>");
    expect(page).toContain('<li class="link-code"><span class="link-label">代码下载：</span><a href="https://github.com/google-research/growneuron">https://github.com/google-research/growneuron</a></li>');
    expect(page).toContain("本期贡献者：申德周 翟珂 吴新刚");
    expect(page).toContain("<p>周刊采用社区协作的模式产生");
  });

  it("index lists the issue and links to the feeds", () => {
    expect(index).toContain('<a href="issues/36/"><span class="issue-number">第36期</span> 谷歌提出梯度最大化增长方法GradMax</a>');
    expect(index).toContain('<time datetime="2022-01-16T16:00:00Z">2022年1月17日</time>');
    expect(index).toContain('<a href="rss.xml">RSS</a>');
  });
});

describe("archive pages of the hostile fixture", () => {
  let built: Built;
  beforeAll(async () => {
    built = await buildFixture("hostile");
  });

  it("escape titles and show a <script> in Markdown as text", async () => {
    const page = await built.read("issues/3/index.html");
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain("&lt;script&gt;window.__pwned = true&lt;/script&gt;");
    expect(page).toContain("<title>Hostile &lt;&amp;&quot;&#x27;&gt; Weekly ]]&gt; digest #3: Hostile ]]&gt; issue ]]&gt; &lt;&amp;&quot;&#x27;&gt;  🚀 مرحبا</title>");
    expect(page).toContain('href="https://github.com/example/repo?a&#x3D;1&amp;b&#x3D;2"');
  });

  it("build drafts for preview with noindex, and keep them out of the index", async () => {
    const draft = await built.read("issues/4/index.html");
    expect(draft).toContain('<meta name="robots" content="noindex">');
    expect(draft).toContain('class="draft-notice"');
    const index = await built.read("index.html");
    expect(index).not.toContain("Unfinished draft");
    expect([...index.matchAll(/<a href="(issues\/[^"]+)">/g)].map((m) => m[1])).toEqual(["issues/3/", "issues/second-issue/", "issues/1/"]);
  });

  it("link each issue to its published neighbours", async () => {
    const second = await built.read("issues/second-issue/index.html");
    expect(second).toContain('<a rel="prev" href="../../issues/1/">');
    expect(second).toContain('<a rel="next" href="../../issues/3/">');
    // Issue 4 is a draft: the newest published issue has no next link, and the draft links to published ones only.
    expect(await built.read("issues/3/index.html")).not.toContain('rel="next"');
    expect(await built.read("issues/4/index.html")).toContain('<a rel="prev" href="../../issues/3/">');
  });
});
