import { describe, expect, it } from "vitest";
import { displayWidth } from "../src/render/text-wrap.ts";
import { buildFixture } from "./helpers/build.ts";
import { htmlLinks, textLinks } from "./helpers/email-links.ts";

// Every link a reader can follow in the HTML part is in the text part too,
// and the text part has no link the HTML lacks.

const INLINE_LINKS = `---
number: 37
date: 2022-01-24
title: 内联链接
sections:
  - title: 论文推荐
    items:
      - title: A paper with inline links
        summary: >-
          本文的[论文](https://arxiv.org/abs/2201.00001)和[代码](https://github.com/example/code)都已公开，详见[项目主页](/projects/x)。
          See the [paper](https://arxiv.org/abs/2201.00001) and [code](https://github.com/example/code) here.
        links: { paper: "https://arxiv.org/abs/2201.00001" }
---
导语，见[上一期](https://pretraining-weekly.example.org/issues/36/)。
`;

function expectWrapped(text: string) {
  for (const line of text.split("\n")) {
    if (/^\s*(\[\d+\] )?https?:\/\/\S+$/.test(line)) continue;
    expect(displayWidth(line), line).toBeLessThanOrEqual(76);
  }
}

describe("the text part of issue 36 and of an issue with inline links", () => {
  it("has exactly the HTML part's links, the archive link and the unsubscribe placeholder included", async () => {
    const built = await buildFixture("issue-36", { "037.md": INLINE_LINKS });
    for (const n of [36, 37]) {
      const [html, text] = await Promise.all([built.read(`emails/${n}.html`), built.read(`emails/${n}.txt`)]);
      const fromHtml = htmlLinks(html);
      expect(fromHtml.size).toBeGreaterThan(n === 36 ? 30 : 7);
      expect(fromHtml).toContain("https://pretraining-weekly.example.org/");
      expect(fromHtml).toContain("[[gazette:unsubscribe_url]]");
      expect(textLinks(text)).toEqual(fromHtml);
      expectWrapped(text);
    }
    const text = await built.read("emails/37.txt");
    expect(text).toContain("往期周刊：https://pretraining-weekly.example.org/\n");
    expect(text).toContain("导语，见上一期 [1]。\n\n[1] https://pretraining-weekly.example.org/issues/36/\n");
    // Each URL keeps one number; the references follow the summary they belong to.
    expect(text).toContain(
      [
        "   本文的论文 [2]和代码 [3]都已公开，详见项目主页 [4]。 See the paper [2]",
        "   and code [3] here.",
        "",
        "   [2] https://arxiv.org/abs/2201.00001",
        "   [3] https://github.com/example/code",
        "   [4] https://pretraining-weekly.example.org/projects/x",
        "",
        "   论文地址：https://arxiv.org/abs/2201.00001",
      ].join("\n"),
    );
  });
});

describe("the text part of the hostile fixture", () => {
  it("has exactly the HTML part's links in every issue: relative, escaped and footer links included", async () => {
    const built = await buildFixture("hostile");
    for (const n of [1, 2, 3, 4]) {
      const [html, text] = await Promise.all([built.read(`emails/${n}.html`), built.read(`emails/${n}.txt`)]);
      const fromHtml = htmlLinks(html);
      expect(fromHtml).toContain("https://hostile.example.org/about");
      expect(textLinks(text)).toEqual(fromHtml);
      expectWrapped(text);
    }
    const [html, text] = await Promise.all([built.read("emails/3.html"), built.read("emails/3.txt")]);
    expect(htmlLinks(html)).toEqual(expect.objectContaining({ size: expect.any(Number) }));
    for (const url of ["https://hostile.example.org/papers/1", "https://example.org/x?a=1&b=2", "https://hub.example.org/view/1?x=%3Cy%3E&z=%22w%22"]) expect(htmlLinks(html)).toContain(url);
    expect(text).toContain("   Bold and a relative link [1] and an absolute one [2].");
    expect(text).toContain("   [1] https://hostile.example.org/papers/1\n   [2] https://example.org/x?a=1&b=2\n");
    expect(text).toContain("   Hub: https://hub.example.org/view/1?x=%3Cy%3E&z=%22w%22\n");
  });
});
