import { describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkOutputs } from "../src/build/check-output.ts";
import { FeedFragments } from "../src/build/feed-fragments.ts";
import { escapeAttribute, escapeText } from "../src/render/feeds/xml-writer.ts";

// The last guard before publishing: a feed a strict XML parser rejects, or
// JSON that does not parse, fails the build and names the file.

const feed = (item: string) => `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>t</title>${item}</channel></rss>\n`;
const check = (file: string, text: string) => () => checkOutputs(new Map([[file, text]]));

describe("checking what is about to be published", () => {
  it("passes a well-formed feed whose HTML sits in CDATA sections, one split around ]]>", () => {
    expect(check("rss.xml", feed("<item><description><![CDATA[<p>a & b <b>c</b></p> ]]]]><![CDATA[> 中文]]></description></item>"))).not.toThrow();
  });

  it.each([
    ["an element left open", feed("<item><title>x</item>")],
    ["a bare ampersand in text", feed("<item><title>a & b</title></item>")],
    ["a control character inside CDATA", feed("<item><description><![CDATA[<p>bell \u0007</p>]]></description></item>")],
    ["U+FFFE inside CDATA", feed("<item><description><![CDATA[<p>\uFFFE</p>]]></description></item>")],
    ["]]> in text outside CDATA", feed("<item><title>a ]]> b</title></item>")],
    ["markup after a CDATA section that was never opened", feed("<item><description>]]><x></description></item>")],
  ])("refuses %s, naming the file", (_what, text) => {
    expect(check("tags/x/rss.xml", text)).toThrow(/^tags\/x\/rss\.xml: not well-formed XML: /);
  });

  it("refuses JSON that does not parse, and leaves files that are not XML or JSON alone", () => {
    expect(check("feed.json", '{"items": [}')).toThrow(/not valid JSON/);
    expect(check("index.html", "<p>unclosed")).not.toThrow();
  });
});

describe("checking a feed entry kept for the next build", () => {
  // A feed made of kept entries is checked as its channel plus each entry once, when it is kept.
  it("refuses an entry its document would refuse, naming the issue and the format; keeps one that passes", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "gazette-fragments-")), "feed-entries.v8");
    const kept = FeedFragments.open(file, "stamp").for("fp", "content/issues/036.md");
    expect(() => kept.set("rss\0editor", "<item><title>a & b</title></item>")).toThrow(/^content\/issues\/036\.md \(its RSS item\): not well-formed XML/);
    expect(() => kept.set("atom\0editor", "<entry><title>x</entry>")).toThrow(/\(its Atom entry\): not well-formed XML/);
    expect(() => kept.set("json\0editor", '{"id": 1,')).toThrow(/\(its JSON Feed item\): not valid JSON/);
    // The media namespace is declared around an RSS item, as a feed with pictures declares it.
    kept.set("rss\0editor", '<item><title>t</title><media:content url="https://example.org/a.png"/></item>');
    kept.set("atom\0editor", "<entry><id>x</id></entry>");
  });

  it("hands an entry to the next build only under the same stamp (code, templates, newsletter)", async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), "gazette-fragments-")), "feed-entries.v8");
    const first = FeedFragments.open(file, "stamp");
    first.for("fp", "036.md").set("json\0x", '{"id":"a"}');
    first.save();
    expect(FeedFragments.open(file, "stamp").for("fp", "036.md").get("json\0x")).toBe('{"id":"a"}');
    expect(FeedFragments.open(file, "other").for("fp", "036.md").get("json\0x")).toBeUndefined();
  });
});

describe("writing XML text", () => {
  it("drops what XML cannot carry (controls, U+FFFE, a lone surrogate) and keeps every character it can, beyond the BMP too", () => {
    expect(escapeText("a\u0007b\uFFFEc\uD840d\uDC00e 𠀀字 <&>", "named")).toBe("abcde 𠀀字 &lt;&amp;&gt;");
    expect(escapeAttribute("\u0001x\u001Fy\tz", "hex")).toBe("xy&#x9;z");
    expect(escapeText("plain 中文 text", "named")).toBe("plain 中文 text");
  });
});
