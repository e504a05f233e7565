import { extractFromJson, extractFromXml } from "@extractus/feed-extractor";
import { parseFeed } from "feedsmith";
import Parser from "rss-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { loadContent } from "../src/content/load.ts";
import type { Issue } from "../src/model/issue.ts";
import { buildFixture } from "./helpers/build.ts";
import { parseXmlStrict, xmllint } from "./helpers/xml.ts";

// What a subscriber's reader shows: the titles, categories and names of
// every entry, read back by several real feed parsers from all three
// feeds, must be the model's own strings, character for character.

const TRAP = `Attention & <Transformers> "quoted" ]]> again`;
const TRAP_ISSUE = `---
number: 5
date: 2024-03-08
title: '${TRAP}'
contributors: ["A & <B>", "C ]]> D"]
tags: ['${TRAP}']
sections:
  - title: Papers
    items:
      - title: A paper
        authors: [Some One]
        summary: A summary.
        tags: ["x < y & z"]
---
The lead.
`;

interface Expected {
  title: string;
  categories: string[];
  authors: string[];
}

/** The strings a reader should show, taken from the loaded model, newest issue first. */
async function expectedEntries(root: string): Promise<Expected[]> {
  const { issues, newsletter } = await loadContent(root);
  const published = issues.filter((i) => !i.draft).slice(0, newsletter.feed.limit);
  return published.map((issue: Issue) => ({
    title: `Issue ${issue.number}: ${issue.title}`,
    categories: [...new Set([...issue.tags, ...issue.sections.flatMap((s) => s.items.flatMap((i) => i.tags))])],
    authors: [newsletter.editor.name, ...issue.contributors],
  }));
}

// rss-parser keeps only the first dc:creator and no Atom categories or contributors unless asked.
const rssParser = new Parser<Record<string, unknown>, Record<string, unknown>>({
  customFields: { item: [["dc:creator", "creators", { keepArray: true }], ["category", "atomCategories", { keepArray: true }], ["contributor", "contributors", { keepArray: true }]] },
});

describe("feed readers, on the hostile fixture plus an issue titled with every trap", () => {
  let rss: string;
  let atom: string;
  let json: string;
  let expected: Expected[];
  beforeAll(async () => {
    const built = await buildFixture("hostile", { "005-trap.md": TRAP_ISSUE });
    [rss, atom, json] = await Promise.all([built.read("rss.xml"), built.read("atom.xml"), built.read("feed.json")]);
    expected = await expectedEntries(built.root);
  });

  it("the feeds hold the trap issue and stay well-formed under two strict parsers", () => {
    expect(expected.map((e) => e.title)).toEqual([`Issue 5: ${TRAP}`, "Issue 3: Hostile ]]> issue ]]> <&\"'>  🚀 مرحبا"]);
    for (const xml of [rss, atom]) {
      expect(() => parseXmlStrict(xml)).not.toThrow();
      expect(xmllint(xml)).toEqual({ status: 0, output: "" });
    }
  });

  it("rss-parser reads the model's titles, categories and authors from RSS and Atom", async () => {
    const fromRss = await rssParser.parseString(rss);
    expect(fromRss.title).toBe("Hostile <&\"'> Weekly ]]> digest");
    expect(fromRss.items.map((i) => ({ title: i.title, categories: i.categories, authors: i.creators }))).toEqual(expected);

    const fromAtom = await rssParser.parseString(atom);
    expect(fromAtom.title).toBe("Hostile <&\"'> Weekly ]]> digest");
    const atomItems = fromAtom.items.map((i) => ({
      title: i.title,
      categories: (i.atomCategories as { $: { term: string } }[]).map((c) => c.$.term),
      authors: [i.author, ...((i.contributors ?? []) as { name: string[] }[]).map((c) => c.name[0])],
    }));
    expect(atomItems).toEqual(expected);
  });

  it("JSON.parse reads the same from JSON Feed", () => {
    const feed = JSON.parse(json);
    const items = feed.items.map((i: { title: string; tags: string[]; authors: { name: string }[] }) => ({ title: i.title, categories: i.tags, authors: i.authors.map((a) => a.name) }));
    expect(items).toEqual(expected);
  });

  it("feedsmith reads the same from all three feeds", () => {
    const r = parseFeed(rss);
    if (r.format !== "rss") throw new Error(`feedsmith saw ${r.format}`);
    expect(r.feed.items!.map((i) => ({ title: i.title, categories: i.categories!.map((c) => c.name), authors: i.dc!.creators }))).toEqual(expected);

    const a = parseFeed(atom);
    if (a.format !== "atom") throw new Error(`feedsmith saw ${a.format}`);
    expect(a.feed.title).toEqual({ value: "Hostile <&\"'> Weekly ]]> digest", type: "text" });
    expect(a.feed.entries!.map((e) => ({ title: e.title!.value, categories: e.categories!.map((c) => c.term), authors: [...e.authors!, ...e.contributors!].map((p) => p.name) }))).toEqual(expected);

    const j = parseFeed(json);
    if (j.format !== "json") throw new Error(`feedsmith saw ${j.format}`);
    expect(j.feed.items!.map((i) => ({ title: i.title, categories: i.tags, authors: i.authors!.map((p) => p.name) }))).toEqual(expected);
  });

  it("@extractus/feed-extractor shows the same titles from all three feeds", () => {
    const titles = expected.map((e) => e.title);
    for (const xml of [rss, atom]) {
      const feed = extractFromXml(xml, { normalization: true });
      expect(feed.title).toBe("Hostile <&\"'> Weekly ]]> digest");
      expect(feed.entries!.map((e) => e.title)).toEqual(titles);
    }
    expect(extractFromJson(JSON.parse(json), { normalization: true }).entries!.map((e) => e.title)).toEqual(titles);
  });

  it("RSS writes & and < in plain-text elements as hexadecimal references, never as named entities or CDATA", () => {
    const plain = [...rss.matchAll(/<(title|category|dc:creator)>([^<]*)<\/\1>/g)];
    expect(plain.length).toBeGreaterThan(10);
    expect(rss).not.toMatch(/<(title|category|dc:creator)><!\[CDATA\[/);
    for (const [, , inner] of plain) expect(inner).not.toMatch(/&(amp|lt|gt|quot|apos);/);
    expect(rss).toContain("<title>Issue 5: Attention &#x26; &#x3C;Transformers&#x3E; \"quoted\" ]]&#x3E; again</title>");
    expect(rss).toContain("<dc:creator>A &#x26; &#x3C;B&#x3E;</dc:creator>");
    expect(rss).toContain("<category>x &#x3C; y &#x26; z</category>");
  });

  it("Atom titles and summaries are text constructs, not HTML", () => {
    expect(atom).toContain(`<title type="text">Issue 5: Attention &amp; &lt;Transformers&gt; "quoted" ]]&gt; again</title>`);
    expect(atom).not.toMatch(/<(title|summary|subtitle)[^>]*type="html"/);
    expect([...atom.matchAll(/<(title|summary|subtitle)( [^>]*)?>/g)].every((m) => m[2] === ' type="text"')).toBe(true);
  });
});

describe("feed readers, on issue 36", () => {
  it("read the Chinese titles and tags as written", async () => {
    const built = await buildFixture("issue-36");
    const { issues } = await loadContent(built.root);
    const issue = issues.find((i) => i.number === 36)!;
    for (const file of ["rss.xml", "atom.xml"]) {
      const feed = await rssParser.parseString(await built.read(file));
      expect(feed.items[0]!.title).toBe(`第36期：${issue.title}`);
    }
    const a = parseFeed(await built.read("atom.xml"));
    if (a.format !== "atom") throw new Error(`feedsmith saw ${a.format}`);
    const tags = [...new Set([...issue.tags, ...issue.sections.flatMap((s) => s.items.flatMap((i) => i.tags))])];
    expect(tags.length).toBeGreaterThan(3);
    expect(a.feed.entries![0]!.categories!.map((c) => c.term)).toEqual(tags);
    expect(JSON.parse(await built.read("feed.json")).items[0].tags).toEqual(tags);
  });
});
