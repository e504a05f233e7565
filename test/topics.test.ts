import Parser from "rss-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { readWebTemplates } from "../src/build/read-templates.ts";
import { loadContent } from "../src/content/load.ts";
import { planSite } from "../src/render/site.ts";
import { collectTopics, tagSlugs, type Topic } from "../src/render/tags.ts";
import { createSiteView, renderTopicPage, topicPageShows } from "../src/render/web/archive.ts";
import { build } from "../src/build/build.ts";
import { buildFixture } from "./helpers/build.ts";
import { atomProblems } from "./helpers/atom-rules.ts";
import { makeProject, snapshotTree } from "./helpers/project.ts";
import { child, children, parseXmlStrict, xmllint } from "./helpers/xml.ts";

type Built = Awaited<ReturnType<typeof buildFixture>>;

describe("tag slugs", () => {
  it("are URL-safe for any tag text and keep a tag already written as one", () => {
    const slugs = tagSlugs(["多模态", "C++ & <CUDA>", "]]>", "moe", "MoE", "tag <&\"'>", "../../etc"]);
    expect(slugs.get("多模态")).toBe("多模态");
    expect(slugs.get("moe")).toBe("moe");
    expect(slugs.get("MoE")).toMatch(/^moe-[0-9a-f]{8}$/);
    expect(slugs.get("C++ & <CUDA>")).toMatch(/^c-cuda-[0-9a-f]{8}$/);
    expect(slugs.get("]]>")).toMatch(/^tag-[0-9a-f]{8}$/);
    expect(slugs.get("../../etc")).toMatch(/^etc-[0-9a-f]{8}$/);
    for (const slug of slugs.values()) expect(slug).toMatch(/^[\p{L}\p{N}]+(-[\p{L}\p{N}]+)*$/u);
    expect(new Set(slugs.values()).size).toBe(slugs.size);
  });

  it("depend on the tag alone: adding tags moves no other", () => {
    const few = tagSlugs(["C++ & <CUDA>", "多模态"]);
    const more = tagSlugs(["C++ (CUDA)", "c-cuda", "C++ & <CUDA>", "多模态", "Cuda"]);
    expect(more.get("C++ & <CUDA>")).toBe(few.get("C++ & <CUDA>"));
    expect(more.get("多模态")).toBe(few.get("多模态"));
  });

  it("never give two tags one slug, even when their hashes meet", () => {
    // One hex digit of hash: among 40 tags with the same letters, many share it.
    const tags = Array.from({ length: 40 }, (_, i) => `CUDA${" ".repeat(i + 1)}!`);
    const slugs = tagSlugs([...tags, "cuda-0"], 1);
    expect(new Set(slugs.values()).size).toBe(41);
    expect(slugs.get("cuda-0")).toBe("cuda-0");
    expect(tagSlugs([...tags, "cuda-0"], 1)).toEqual(slugs);
  });
});

describe("topics of issue 36", () => {
  let built: Built;
  beforeAll(async () => {
    built = await buildFixture("issue-36");
  });

  it("give every tag a page listing its items, linking to their anchors", async () => {
    const page = await built.read("tags/多模态/index.html");
    expect(page).toContain("<h1>主题：多模态</h1>");
    expect(page).toContain('<a href="../../issues/36/#uni-eden-universal-encoder-decoder-network-by-multi-granular-vision"');
    const issue = await built.read("issues/36/index.html");
    expect(issue).toContain('id="uni-eden-universal-encoder-decoder-network-by-multi-granular-vision"');
    expect(issue).toContain('<a rel="tag" href="../../tags/%E5%A4%9A%E6%A8%A1%E6%80%81/">多模态</a>');
  });

  it("list the tags with their counts on tags/", async () => {
    const index = await built.read("tags/index.html");
    expect(index.match(/<li><a href="..\/tags\//g)).toHaveLength(12);
    expect(index).toContain('<a href="../tags/%E5%A4%9A%E6%A8%A1%E6%80%81/">多模态</a> <span class="topic-count">1 篇</span>');
  });

  it("give every tag RSS, Atom and JSON feeds of the issues that carry it, as strict as the main ones", async () => {
    const [rss, atom, json] = (await Promise.all(["rss.xml", "atom.xml", "feed.json"].map((f) => built.read(`tags/多模态/${f}`)))) as [string, string, string];
    for (const xml of [rss, atom]) expect(xmllint(xml)).toEqual({ status: 0, output: "" });
    const feed = parseXmlStrict(atom);
    expect(atomProblems(feed)).toEqual([]);
    expect(child(feed, "id")!.text).toBe("tag:pretraining-weekly.example.org,2021:weekly/tags/多模态");
    expect(children(feed, "link").find((l) => l.attributes.rel === "self")!.attributes.href).toBe("https://pretraining-weekly.example.org/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/atom.xml");
    expect(children(feed, "entry").map((e) => child(e, "id")!.text)).toEqual(["tag:pretraining-weekly.example.org,2021:weekly/issues/36"]);
    const parsed = await new Parser().parseString(rss);
    expect(parsed.title).toBe("预训练周刊 · 主题：多模态");
    expect(parsed.items).toHaveLength(1);
    expect(parsed.items[0]!["content:encoded"]).toContain("Uni-EDEN");
    const jf = JSON.parse(json);
    expect(jf.version).toBe("https://jsonfeed.org/version/1.1");
    expect(jf.feed_url).toBe("https://pretraining-weekly.example.org/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/feed.json");
    expect(jf.language).toBe("zh-CN");
    expect(jf.items[0].content_html).toContain("Uni-EDEN");
  });

  it("list every feed in feeds.opml, and every page in sitemap.xml, which robots.txt names", async () => {
    const opml = parseXmlStrict(await built.read("feeds.opml"));
    const outlines = children(child(opml, "body")!, "outline");
    expect(outlines).toHaveLength(13);
    expect(outlines[0]!.attributes.xmlUrl).toBe("https://pretraining-weekly.example.org/rss.xml");
    expect(outlines.map((o) => o.attributes.xmlUrl)).toContain("https://pretraining-weekly.example.org/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/rss.xml");
    const sitemap = await built.read("sitemap.xml");
    expect(xmllint(sitemap)).toEqual({ status: 0, output: "" });
    const urls = children(parseXmlStrict(sitemap), "url").map((u) => [child(u, "loc")!.text, child(u, "lastmod")!.text]);
    expect(urls).toContainEqual(["https://pretraining-weekly.example.org/issues/36/", "2022-01-16T16:00:00Z"]);
    expect(urls).toHaveLength(1 + 1 + 1 + 12);
    expect(await built.read("robots.txt")).toBe("User-agent: *\nAllow: /\n\nSitemap: https://pretraining-weekly.example.org/sitemap.xml\n");
  });

  it("rebuild byte for byte", async () => {
    const before = await snapshotTree(built.dist);
    await build({ root: built.root, outDir: `${built.root}/again`, cacheDir: `${built.root}/.other-cache` });
    expect(await snapshotTree(`${built.root}/again`)).toEqual(before);
  });
});

describe("topics of the hostile fixture", () => {
  let built: Built;
  beforeAll(async () => {
    built = await buildFixture("hostile", {
      "005-draft.md": "---\nnumber: 5\ndate: 2024-03-15\ntitle: Tagged draft\ndraft: true\ntags: [draft-only]\nsections:\n  - title: Papers\n    items:\n      - title: Draft paper\n        summary: Not yet.\n        tags: [computing]\n---\nDraft lead.\n",
    });
  });

  it("give hostile tag text a safe slug, a page that shows it as text, and well-formed feeds", async () => {
    const slug = tagSlugs(["tag <&\"'>"]).get("tag <&\"'>")!;
    const page = await built.read(`tags/${slug}/index.html`);
    expect(page).toContain("<h1>Topic: tag &lt;&amp;&quot;&#x27;&gt;</h1>");
    for (const f of ["rss.xml", "atom.xml"]) expect(xmllint(await built.read(`tags/${slug}/${f}`))).toEqual({ status: 0, output: "" });
    expect(JSON.parse(await built.read(`tags/${slug}/feed.json`)).title).toBe("Hostile <&\"'> Weekly ]]> digest · Topic: tag <&\"'>");
  });

  it("leave drafts out of topics, the sitemap and the OPML", async () => {
    expect(await built.read("issues/5/index.html"), "the draft is built for preview").toContain("Tagged draft");
    const sitemap = await built.read("sitemap.xml");
    expect(sitemap).toContain("/issues/3/");
    expect(sitemap).not.toContain("/issues/4/");
    expect(sitemap).not.toContain("/issues/5/");
    expect(sitemap).not.toContain("draft-only");
    expect(await built.read("tags/index.html")).not.toContain("draft-only");
    expect(await built.read("feeds.opml")).not.toContain("draft-only");
    await expect(built.read("tags/draft-only/index.html")).rejects.toThrow(/ENOENT/);
    // The draft's item is not among the published items of its tag.
    expect(await built.read("tags/computing/index.html")).not.toContain("Draft paper");
  });
});

describe("a topic's page after an edit", () => {
  // The page is made again only when what it shows changes (topicPageShows):
  // an edit it shows reaches it; what it does not show cannot change it.
  const edit = async (root: string, from: string, to: string) => {
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(from, to));
    return build({ root });
  };

  it("shows an item's new title and translation, and the issue's new date", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const page = () => readFile(path.join(root, "dist/tags/自增长网络/index.html"), "utf8");
    await edit(root, "title: \"GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION\"", "title: \"GRADMAX, RETITLED\"");
    expect(await page()).toContain("GRADMAX, RETITLED");
    await edit(root, 'translation: "GRADMAX:使用梯度信息增长神经网络"', "translation: 新的译名");
    expect(await page()).toContain("新的译名");
    await edit(root, "date: 2022-01-17", "date: 2022-01-18");
    expect(await page()).toContain("2022年1月18日");
  });

  it("is given nothing it does not show but what topicPageShows keys it on", async () => {
    const root = await makeProject("issue-36");
    const content = await loadContent(root);
    const site = createSiteView(content.newsletter);
    const templates = await readWebTemplates();
    const planned = planSite(content.newsletter, content.issues, content.fingerprints);
    const topic = collectTopics(planned).find((t) => t.tag === "自增长网络");
    expect(topic?.items.length).toBeGreaterThan(0);
    const render = (t: Topic) => renderTopicPage(site, t, [], templates);
    // Every field of the issue and item that topicPageShows leaves out, changed: the same page.
    const changed: Topic = {
      ...topic!,
      items: topic!.items.map(({ issue: summary, item }) => ({
        issue: { ...summary, title: "X", heading: "X", numberedTitle: "X", description: "X", url: "https://x.example/", id: "x", updatedIso: "2030-01-01T00:00:00Z", slug: "x", number: 999 },
        item: { ...item, tags: ["x"] },
      })),
    };
    expect(topicPageShows(changed)).toBe(topicPageShows(topic!));
    expect(render(changed)).toBe(render(topic!));
    // And each field it keys on shows.
    const retitled: Topic = { ...topic!, items: topic!.items.map(({ issue: summary, item }) => ({ issue: summary, item: { ...item, title: "Shown" } })) };
    expect(topicPageShows(retitled)).not.toBe(topicPageShows(topic!));
    expect(render(retitled)).toContain("Shown");
  });
});
