import path from "node:path";
import Parser from "rss-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.ts";
import { buildFixture } from "./helpers/build.ts";
import { FIXTURES, REPO } from "./helpers/project.ts";
import { atomProblems } from "./helpers/atom-rules.ts";
import { child, children, parseXmlStrict, xmllint, type XmlElement } from "./helpers/xml.ts";

type Built = Awaited<ReturnType<typeof buildFixture>>;

function decodeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!);
}

/** Every href and src in an HTML fragment. */
function urlsIn(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => decodeHtml(m[1]!));
}

describe.each(["issue-36", "hostile"] as const)("feeds built from %s", (fixture) => {
  // The newsletter.yaml language of each fixture.
  const language = fixture === "issue-36" ? "zh-CN" : "en";
  let built: Built;
  let rss: string;
  let atom: string;
  let json: string;
  beforeAll(async () => {
    built = await buildFixture(fixture);
    [rss, atom, json] = await Promise.all([built.read("rss.xml"), built.read("atom.xml"), built.read("feed.json")]);
  });

  it("are well-formed XML under two strict parsers", () => {
    for (const xml of [rss, atom]) {
      expect(() => parseXmlStrict(xml)).not.toThrow();
      expect(xmllint(xml)).toEqual({ status: 0, output: "" });
    }
  });

  it("Atom meets RFC 4287's structural rules and its other rules", () => {
    const feed = parseXmlStrict(atom);
    expect(atomProblems(feed)).toEqual([]);
    expect(feed.attributes["xml:lang"]).toBe(language);
    const entries = children(feed, "entry");
    // An author on every entry, or on the feed.
    expect(child(feed, "author") ?? entries.every((e) => child(e, "author"))).toBeTruthy();
    for (const e of entries) expect(child(e, "author")).toBeDefined();
    // Unique ids; one alternate link per entry; self link on the feed.
    const ids = entries.map((e) => child(e, "id")!.text);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of entries) expect(children(e, "link").filter((l) => (l.attributes.rel ?? "alternate") === "alternate")).toHaveLength(1);
    expect(children(feed, "link").find((l) => l.attributes.rel === "self")?.attributes.href).toMatch(/^https:\/\/.+\/atom\.xml$/);
    for (const e of entries) for (const c of children(e, "category")) expect(c.attributes.term).toBeTruthy();
  });

  it("RSS has content:encoded, atom:link self, dc:creator, guid, language, and no non-email author", () => {
    const channel = child(parseXmlStrict(rss), "channel")!;
    expect(child(channel, "language")!.text).toBe(language);
    expect(child(channel, "atom:link")!.attributes).toMatchObject({ rel: "self", type: "application/rss+xml" });
    for (const item of children(channel, "item")) {
      expect(child(item, "content:encoded")!.text.length).toBeGreaterThan(100);
      expect(children(item, "dc:creator").length).toBeGreaterThan(0);
      expect(child(item, "guid")!.attributes.isPermaLink).toBe("false");
      expect(child(item, "author")).toBeUndefined();
    }
  });

  it("read back through rss-parser with the model's titles, links, dates and counts", async () => {
    const root = fixture === "issue-36" ? REPO : path.join(FIXTURES, "hostile");
    const { issues, newsletter } = await loadContent(root);
    const published = issues.filter((i) => !i.draft).slice(0, newsletter.feed.limit);
    const parser = new Parser();
    for (const [kind, xml] of [["rss", rss], ["atom", atom]] as const) {
      const feed = await parser.parseString(xml);
      expect(feed.items).toHaveLength(published.length);
      feed.items.forEach((item, i) => {
        const issue = published[i]!;
        expect(item.title, kind).toMatch(new RegExp(`${issue.number}.*(: |：)${escapeRegExp(issue.title)}$`));
        expect(item.link).toBe(new URL(`issues/${issue.slug}/`, newsletter.base_url).href);
        expect(Date.parse(item.isoDate!)).toBe(issue.date.getTime());
      });
    }
  });

  it("JSON Feed is version 1.1 with authors, content_html, dates, feed_url, home_page_url and language", async () => {
    const feed = JSON.parse(json);
    expect(feed).toMatchObject({ version: "https://jsonfeed.org/version/1.1", language });
    expect(feed.feed_url).toMatch(/^https:\/\/.+\/feed\.json$/);
    expect(feed.home_page_url).toMatch(/^https:\/\//);
    expect(feed.authors[0].name).toBeTruthy();
    expect(feed.author).toBeUndefined();
    for (const item of feed.items) {
      expect(item.content_html.length).toBeGreaterThan(100);
      expect(item.date_published).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(item.authors.length).toBeGreaterThan(0);
      expect(item.url).toMatch(/^https:\/\//);
    }
  });

  it("use only absolute URLs in entry content", () => {
    const contents = [
      ...children(child(parseXmlStrict(rss), "channel")!, "item").map((i) => child(i, "content:encoded")!.text),
      ...children(parseXmlStrict(atom), "entry").map((e) => child(e, "content")!.text),
      ...JSON.parse(json).items.map((i: { content_html: string }) => i.content_html),
    ];
    const urls = contents.flatMap(urlsIn);
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) expect(url).toMatch(/^https?:\/\/[^/]+/);
  });

  it("are byte-identical when built twice from the same content", async () => {
    const again = await buildFixture(fixture);
    for (const file of ["rss.xml", "atom.xml", "feed.json", "index.html"]) expect(await again.read(file)).toBe(await built.read(file));
  });
});

describe("the hostile fixture", () => {
  let built: Built;
  beforeAll(async () => {
    built = await buildFixture("hostile");
  });

  it("keeps every ]]>, <&\"', emoji and right-to-left text intact in titles and content", async () => {
    const feed = await new Parser().parseString(await built.read("rss.xml"));
    expect(feed.title).toBe("Hostile <&\"'> Weekly ]]> digest");
    const hostile = feed.items[0]!;
    expect(hostile.title).toBe("Issue 3: Hostile ]]> issue ]]> <&\"'>  🚀 مرحبا");
    expect(hostile.categories).toEqual(['issue <tag> & "more"', "tag <&\"'>", "]]>", "中文标签"]);
    const content = (hostile as { "content:encoded"?: string })["content:encoded"]!;
    expect(content).toContain("First ]]&gt; and second ]]&gt; in a summary.");
    expect(content).toContain("&lt;script&gt;window.__pwned = true&lt;/script&gt;");
    expect(content).not.toContain("<script");
    expect(content).toContain("مرحبا بالعالم / שלום עולם");
    expect(content).toContain('href="https://hostile.example.org/papers/1"');
    expect(content).toContain('href="https://example.org/x?a=1&amp;b=2"');
  });

  it("carries all sixty items and the whole 5,000-character summary", async () => {
    const json = JSON.parse(await built.read("feed.json"));
    const html: string = json.items[0].content_html;
    expect(html.match(/<article class="item"/g)).toHaveLength(60);
    const long = ("Repeated ]]> text with <tags> & ampersands, emoji 🚀🧪, عربي שלום. ".repeat(200)).slice(0, 5000);
    expect(decodeHtml(html)).toContain(long.trim());
  });

  it("leaves drafts out and keeps only the newest `feed.limit` issues, newest first", async () => {
    const json = JSON.parse(await built.read("feed.json"));
    expect(json.items.map((i: { id: string }) => i.id)).toEqual(["tag:hostile.example.org,2024:weekly/issues/3", "tag:hostile.example.org,2024:weekly/issues/2"]);
  });

  it("dates the feed from the content, never the clock", async () => {
    const channel = child(parseXmlStrict(await built.read("rss.xml")), "channel")!;
    expect(child(channel, "lastBuildDate")!.text).toBe("Sat, 02 Mar 2024 15:30:00 GMT");
    const atom = parseXmlStrict(await built.read("atom.xml"));
    expect(child(atom, "updated")!.text).toBe("2024-03-02T15:30:00.000Z");
    const entry: XmlElement = children(atom, "entry")[0]!;
    expect(child(entry, "published")!.text).toBe("2024-03-01T05:00:00.000Z");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("the RFC 4287 checks the Atom tests rely on", () => {
  it("name every rule a broken feed breaks", () => {
    const broken = parseXmlStrict(`<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">t</title><title>again</title><updated>2022-01-17 09:00</updated>
  <link href="https://x.example/" rel="sideways"/><link rel="self"/>
  <entry><id>not an iri</id><updated>2022-01-17T01:00:00Z</updated><category term=""/><content src="https://x.example/a"/></entry>
  <entry><id>not an iri</id><title>b</title><updated>2022-01-17T01:00:00Z</updated><author><name></name></author></entry>
</feed>`);
    expect(atomProblems(broken)).toEqual([
      "feed: expected exactly one <id>, found 0",
      "feed: expected exactly one <title>, found 2",
      'feed.updated: expected an RFC 3339 date-time, found "2022-01-17 09:00"',
      'feed.link[0]: rel "sideways" is neither registered nor an absolute IRI',
      "feed.link[1]: needs href (4.2.7.1)",
      "feed: needs an author, since not every entry has one (4.1.1)",
      "entry[0]: expected exactly one <title>, found 0",
      'entry[0].id: expected an absolute IRI, found "not an iri"',
      "entry[0].category[0]: needs a non-empty term (4.2.2.1)",
      "entry[0]: needs <summary>, since its content is out of line (4.1.1.3)",
      "entry[0]: needs an author (4.1.2)",
      'entry[1].id: expected an absolute IRI, found "not an iri"',
      "entry[1].author[0].name: is empty",
      'entry[1]: needs <content> or a link rel="alternate" (4.1.2)',
      'entry[1].id: "not an iri" is used by an earlier entry',
    ]);
  });
});
