import { describe, expect, it } from "vitest";
import { checkOutputs } from "../src/build/check-output.ts";
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

describe("writing XML text", () => {
  it("drops what XML cannot carry (controls, U+FFFE, a lone surrogate) and keeps every character it can, beyond the BMP too", () => {
    expect(escapeText("a\u0007b\uFFFEc\uD840d\uDC00e 𠀀字 <&>", "named")).toBe("abcde 𠀀字 &lt;&amp;&gt;");
    expect(escapeAttribute("\u0001x\u001Fy\tz", "hex")).toBe("xy&#x9;z");
    expect(escapeText("plain 中文 text", "named")).toBe("plain 中文 text");
  });
});
