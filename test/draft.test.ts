import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { escapeMarkdown, parseHtmlText, renderMarkdownParagraphs } from "../src/draft/html-text.ts";
import { itemKeys, normalizeUrl, parseArxivId, typeLink } from "../src/draft/links.ts";
import { parseFeed } from "../src/draft/parse-feed.ts";
import { readSource } from "../src/draft/read-source.ts";
import { SourceError } from "../src/errors.ts";
import { calendarDate } from "../src/model/fields.ts";
import { markdownToPlainText, renderMarkdown } from "../src/render/markdown.ts";
import { FEEDS, startFeedServer } from "./helpers/feed-server.ts";

const fixture = (name: string) => readFile(path.join(FEEDS, name), "utf8");

describe("arXiv ids", () => {
  it("name one paper across versions, abs/pdf/html URLs, export.arxiv.org, Hugging Face papers and OAI ids", () => {
    const forms = [
      "https://arxiv.org/abs/2201.05125",
      "http://arxiv.org/abs/2201.05125v1",
      "https://arxiv.org/pdf/2201.05125v3.pdf",
      "https://arxiv.org/pdf/2201.05125v3",
      "https://export.arxiv.org/abs/2201.05125v2/",
      "https://arxiv.org/html/2201.05125v3",
      "https://huggingface.co/papers/2201.05125",
      "oai:arXiv.org:2201.05125v1",
      "arXiv:2201.05125",
    ];
    expect(new Set(forms.map((f) => parseArxivId(f)?.id))).toEqual(new Set(["2201.05125"]));
    expect(parseArxivId("https://arxiv.org/pdf/2201.05125v3.pdf")).toEqual({ id: "2201.05125", version: "v3" });
  });

  it("read old-style ids, with or without a subject class", () => {
    expect(parseArxivId("http://arxiv.org/abs/hep-th/9901001")).toEqual({ id: "hep-th/9901001" });
    expect(parseArxivId("https://arxiv.org/pdf/hep-th/9901001v2.pdf")).toEqual({ id: "hep-th/9901001", version: "v2" });
    expect(parseArxivId("https://arxiv.org/abs/math.GT/0309136")?.id).toBe(parseArxivId("https://arxiv.org/abs/math/0309136")?.id);
  });

  it("are not read into other hosts' paths or into look-alikes", () => {
    expect(parseArxivId("https://example.org/abs/2201.05125")).toBeUndefined();
    expect(parseArxivId("https://arxiv.org/list/cs.LG/recent")).toBeUndefined();
    expect(parseArxivId("https://notarxiv.org/abs/2201.05125")).toBeUndefined();
  });
});

describe("links", () => {
  it("compare without scheme, host case, default port, fragment, utm_* parameters or trailing slash; other parameters count", () => {
    const same = [
      "https://Lab.Example.org/blog/post/?utm_source=rss&utm_medium=feed",
      "http://lab.example.org:80/blog/post#comments",
      "https://lab.example.org/blog/post",
    ];
    expect(new Set(same.map(normalizeUrl))).toEqual(new Set(["lab.example.org/blog/post"]));
    expect(normalizeUrl("https://lab.example.org/blog/post?id=2&utm_campaign=x")).toBe("lab.example.org/blog/post?id=2");
    expect(normalizeUrl("https://github.com/Google-Research/GrowNeuron/")).toBe(normalizeUrl("https://github.com/google-research/growneuron"));
  });

  it("give an item its arXiv id as a key whatever version or form its link has", () => {
    expect(itemKeys(["https://arxiv.org/pdf/2201.05125v1.pdf"])).toContain("arxiv:2201.05125");
    expect(itemKeys([], ["oai:arXiv.org:hep-th/9901001v1"])).toEqual(["arxiv:hep-th/9901001"]);
  });

  it("are typed by host: arXiv a paper (as its abstract page), GitHub code, the BAAI hub a hub, the rest other", () => {
    expect(typeLink("http://export.arxiv.org/pdf/2201.05125v3.pdf")).toEqual({ kind: "paper", url: "https://arxiv.org/abs/2201.05125v3" });
    expect(typeLink("https://github.com/example-lab/tokenizer?utm_source=feed")).toEqual({ kind: "code", url: "https://github.com/example-lab/tokenizer" });
    expect(typeLink("https://hub.baai.ac.cn/view/14200")).toEqual({ kind: "hub", url: "https://hub.baai.ac.cn/view/14200" });
    expect(typeLink("https://lab.example.org/blog/post?utm_medium=x&page=2")).toEqual({ kind: "other", url: "https://lab.example.org/blog/post?page=2" });
  });
});

describe("HTML in feeds becomes Markdown that says the same thing", () => {
  it("drops tags, and script and style with their contents; decodes entities; collapses white space", () => {
    const text = parseHtmlText('<p>We <b>revisit</b>\n   scaling &amp; laws&nbsp;&#8212;&#x2014;</p><script>alert("x")</script><style>p{}</style><p>Second <!-- hidden --> one.</p>');
    expect(text.paragraphs).toEqual(["We revisit scaling & laws ——", "Second one."]);
  });

  it("keeps Chinese intact and joins lines broken between Chinese characters without a space", () => {
    expect(parseHtmlText("<p>本文介绍了一种新的\n预训练方法, 在 GPT-3\n之上。</p>").paragraphs).toEqual(["本文介绍了一种新的预训练方法, 在 GPT-3 之上。"]);
  });

  it("escapes what Markdown would read as syntax, so the text renders back exactly", () => {
    const hostile = [
      "*stars* and _underscores_ and `code` and [a](link) and ![img](x)",
      "<script>alert(1)</script> & &amp; &copy; stay text",
      "# not a heading",
      "- not a list",
      "+ not a list either",
      "1. not an ordered list",
      "2) nor this",
      "> not a quote",
      "a | table | row",
      "~~not struck~~ and a back\\slash",
      "<ab:cd> is not an autolink",
      "---",
    ];
    for (const text of hostile) {
      const markdown = escapeMarkdown(text);
      expect(markdownToPlainText(markdown), markdown).toBe(text);
      expect(renderMarkdown(markdown, "https://example.org/")).not.toMatch(/<(em|strong|code|a|img|h1|ul|ol|li|blockquote|table|s|hr)\b/);
    }
  });

  it("cuts a long text near the limit at a sentence end", () => {
    const long = `${"A sentence that goes on. ".repeat(100)}`.trim();
    const cut = renderMarkdownParagraphs([long], 300);
    expect(cut.length).toBeLessThanOrEqual(301);
    expect(cut).toMatch(/goes on\.…$/);
  });
});

describe("today", () => {
  it("is the calendar date at the newsletter's UTC offset, not at UTC", () => {
    expect(calendarDate(new Date("2022-01-23T16:30:00Z"), "+08:00")).toBe("2022-01-24");
    expect(calendarDate(new Date("2022-01-24T03:00:00Z"), "-05:00")).toBe("2022-01-23");
    expect(calendarDate(new Date("2022-01-24T03:00:00Z"), "+00:00")).toBe("2022-01-24");
  });
});

describe("parsing feeds", () => {
  it("reads arXiv's RSS 1.0 (RDF) listing: every author from dc:creator's links, the HTML abstract, the listing's date", async () => {
    const feed = await parseFeed(await fixture("arxiv-cs-lg.rdf"));
    expect(feed.title).toBe("cs.LG updates on arXiv.org");
    expect(feed.entries).toHaveLength(4);
    const first = feed.entries[0]!;
    expect(first).toMatchObject({
      link: "http://arxiv.org/abs/2201.07207",
      ids: ["http://arxiv.org/abs/2201.07207"],
      authors: ["Wenlong Huang", "Pieter Abbeel", "Deepak Pathak", "Igor Mordatch"],
    });
    expect(first.date?.toISOString()).toBe("2022-01-21T01:30:00.000Z");
    expect(first.summaryHtml).toMatch(/^<p>Can the world knowledge/);
  });

  it("reads Atom: every author, the alternate link, published dates", async () => {
    const feed = await parseFeed(await fixture("papers-hub.atom"));
    expect(feed.language).toBe("en");
    expect(feed.entries[1]).toMatchObject({ link: "https://huggingface.co/papers/2201.08239", authors: ["Romal Thoppilan", "Daniel De Freitas"] });
    expect(feed.entries[1]!.date?.toISOString()).toBe("2022-01-21T10:00:00.000Z");
  });

  it("reads RSS 2.0: dc:creator, the name in <author>, content:encoded when there is no description", async () => {
    const feed = await parseFeed(await fixture("lab-blog.rss"));
    expect(feed.entries.map((e) => e.authors)).toEqual([["Ada Lovelace"], ["Lab Press"], [], [], []]);
    expect(feed.entries[3]!.summaryHtml).toMatch(/^<h2>Heading<\/h2>/);
  });

  it("says where XML is malformed, and what is not a feed", async () => {
    await expect(parseFeed(await fixture("broken.xml"))).rejects.toThrow("malformed XML at line 8, column 11: unexpected close tag");
    await expect(parseFeed(await fixture("lab-home.html"), { mediaType: "text/html", url: "https://lab.example.org/" })).rejects.toThrow(
      "not a feed: an HTML page; it names a feed at https://lab.example.org/blog/feed.xml",
    );
    await expect(parseFeed('<?xml version="1.0"?><opml version="2.0"><body/></opml>')).rejects.toThrow("not a feed: the root element is <opml>; expected <rss>, <rdf:RDF> or <feed>");
  });

  it("reports a bare & where it stands, not where the parser gave up", async () => {
    const oneLine = '<rss version="2.0"><channel><title>Research & development</title><link>https://lab.example.org/</link></channel></rss>';
    expect(oneLine.indexOf("&") + 1).toBe(45);
    expect(await messageOf(parseFeed(oneLine))).toBe('malformed XML at line 1, column 45: a bare "&" (write it as &amp;)');
    const inLink = '<rss version="2.0">\n<channel><title>R&amp;D <![CDATA[& more]]></title><!-- a & b -->\n  <link>https://lab.example.org/?a=1&b=2</link></channel></rss>';
    expect(await messageOf(parseFeed(inLink))).toBe('malformed XML at line 3, column 37: a bare "&" (write it as &amp;)');
    // An earlier, different error is still the one reported.
    expect(await messageOf(parseFeed("<rss><channel></rss>\n&"))).toBe("malformed XML at line 1, column 20: unexpected close tag");
  });

  it("calls a CSV or JSON file not a feed, saying what it starts with", async () => {
    expect(await messageOf(parseFeed(await fixture("subscribers.csv"), { url: "/tmp/subscribers.csv" }))).toBe('not a feed: no XML in it (it starts "email,name"); expected RSS or Atom');
    expect(await messageOf(parseFeed('{"version": "https://jsonfeed.org/version/1.1", "items": []}'))).toBe(
      'not a feed: no XML in it (it starts "{\\"version\\": \\"https://jsonfeed.o"); expected RSS or Atom',
    );
  });

  it("resolves a local file's relative item links against the channel's own link", async () => {
    const feed = await parseFeed(await fixture("relative-links.rss"), { url: path.join(FEEDS, "relative-links.rss") });
    expect(feed.entries.map((e) => e.link)).toEqual(["https://lab.example.org/blog/posts/7", "https://lab.example.org/news/8"]);
    const fetched = await parseFeed(await fixture("relative-links.rss"), { url: "https://mirror.example.net/feeds/lab.xml" });
    expect(fetched.entries.map((e) => e.link)).toEqual(["https://mirror.example.net/feeds/posts/7", "https://mirror.example.net/news/8"]);
  });
});

describe("reading a source over HTTP", () => {
  let server: Awaited<ReturnType<typeof startFeedServer>>;
  beforeAll(async () => {
    server = await startFeedServer({ slowMs: 5_000 });
  });
  afterAll(() => server.close());

  // Generous for everything but the slow source, so that a busy machine cannot turn another failure into a timeout.
  const limits = { timeoutMs: 20_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 };
  const failure = (url: string, timeoutMs = limits.timeoutMs) =>
    readSource(url, { ...limits, timeoutMs }).then(
      () => undefined,
      (err: SourceError) => ({ kind: err.kind, message: err.message }),
    );

  it("follows a redirect and gives the final URL", async () => {
    const read = await readSource(`${server.base}/moved.rss`, limits);
    expect(read.url).toBe(`${server.base}/lab-blog.rss`);
    expect(read.mediaType).toBe("application/rss+xml");
    expect(read.text).toContain("<title>Example Lab Blog</title>");
  });

  it("names each way a source fails", async () => {
    expect(await failure(`${server.base}/loop-a`)).toEqual({ kind: "redirects", message: `too many redirects (more than 5); the last one was to ${server.base}/loop-a` });
    expect(await failure(`${server.base}/slow.xml`, 400)).toEqual({ kind: "timeout", message: "timed out: no complete answer within 0.4 s" });
    expect(await failure(`${server.base}/huge.xml`)).toEqual({ kind: "too-large", message: "too large: more than the 5.0 MB limit" });
    expect(await failure(`${server.base}/missing.xml`)).toEqual({ kind: "http", message: "HTTP 404 Not Found" });
    expect(await failure(`http://127.0.0.1:${await closedPort()}/feed.xml`)).toEqual({ kind: "unreachable", message: "unreachable: connection refused" });
    expect(await failure(path.join(FEEDS, "no-such-feed.xml"))).toEqual({ kind: "unreadable", message: "cannot read: no such file" });
  });
});

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  return "(no error)";
}
