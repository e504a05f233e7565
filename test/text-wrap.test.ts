import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { displayWidth, wrapParagraph, wrapText } from "../src/render/text-wrap.ts";
import { REPO } from "./helpers/project.ts";
import { referenceWrap } from "./helpers/wrap-reference.ts";

describe("CJK-aware wrapping", () => {
  it("counts CJK characters and emoji as two columns", () => {
    expect(displayWidth("abc")).toBe(3);
    expect(displayWidth("预训练")).toBe(6);
    expect(displayWidth("全角，标点。")).toBe(12);
    expect(displayWidth("🚀")).toBe(2);
  });

  it("takes every Unicode space as a word break, runs of them as one space", () => {
    // The ideographic space (U+3000) and the no-break space pasted from web pages among them, as \s in a regular expression.
    const spaces = ["\t", "\u000b", "\f", "\u00a0", "\u1680", "\u2003", "\u2028", "\u202f", "\u205f", "\u3000", "\ufeff"];
    for (const space of spaces) expect(wrapParagraph(`alpha${space}${space}beta gamma`, 11)).toEqual(["alpha beta", "gamma"]);
    // Not spaces: a zero-width space and the Mongolian vowel separator stay inside the word.
    expect(wrapParagraph("alpha\u200bbeta gamma", 11)).toEqual(["alpha\u200bbeta", "gamma"]);
    expect(wrapParagraph("alpha\u180ebeta gamma", 11)).toEqual(["alpha\u180ebeta", "gamma"]);
  });

  it("breaks Chinese between any two characters and fills the line", () => {
    const lines = wrapParagraph("预训练".repeat(20), 20);
    expect(lines[0]).toBe("预训练预训练预训练预");
    expect(lines.every((l) => displayWidth(l) <= 20)).toBe(true);
    expect(lines.join("")).toBe("预训练".repeat(20));
  });

  it("never starts a line with closing punctuation nor ends one with opening punctuation", () => {
    const lines = wrapParagraph("一二三四五六七八九，十一二三四五六七八《九十》一二", 18);
    for (const line of lines) {
      expect(line).not.toMatch(/^[，。、）》」]/);
      expect(line).not.toMatch(/[（《「]$/);
      expect(displayWidth(line)).toBeLessThanOrEqual(18);
    }
    expect(lines.join("")).toBe("一二三四五六七八九，十一二三四五六七八《九十》一二");
  });

  it("breaks English only between words, and keeps a URL whole on its own line", () => {
    const url = "https://github.com/pytorch/fairseq/tree/main/examples/moe_lm";
    const lines = wrapParagraph(`Read the code at ${url} before the paper arrives tomorrow`, 30);
    expect(lines).toEqual(["Read the code at", url, "before the paper arrives", "tomorrow"]);
  });

  it("mixes scripts: breaks between CJK and Latin, not inside the Latin word", () => {
    const lines = wrapParagraph("作者提出了SUPER-ADAM算法可以实现最佳已知梯度", 16);
    expect(lines.join("")).toBe("作者提出了SUPER-ADAM算法可以实现最佳已知梯度");
    expect(lines.some((l) => l.includes("SUPER-ADAM"))).toBe(true);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(16);
  });

  it("indents every line and keeps paragraphs apart", () => {
    expect(wrapText("第一段文字很长很长很长。\n\n第二段。", 16, "  ")).toBe("  第一段文字很长\n  很长很长。\n\n  第二段。");
  });
});

describe("wrapping, held to the plain-way reference", () => {
  // A small deterministic generator: the same paragraphs on every run.
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }
  const pieces = [
    "预", "训", "练", "模型", "，", "。", "、", "《", "》", "（", "）", "「", "」", "…", "％", "%", "：", "！",
    "GPT-3", "MoE", "SUPER-ADAM", "0.5", "2022", "(", ")", "[", "]", "“", "”", "‘", "’", ",", ".", "a", "the", "transformer",
    " ", "  ", "\u3000", "\u00a0", "\t", "🚀", "𠀀", "ｶ", "한국어", "https://arxiv.org/abs/2201.05596", "http://x.y/z?q=1", "(https://a.b/c)", "httpx",
  ];

  it("breaks every generated paragraph exactly where the reference does, at every width and with an indent", () => {
    const next = random(36);
    for (let n = 0; n < 4000; n++) {
      const length = 1 + Math.floor(next() * 80);
      const paragraph = Array.from({ length }, () => pieces[Math.floor(next() * pieces.length)]!).join("");
      const width = 8 + Math.floor(next() * 72);
      const indent = next() < 0.3 ? "    " : "";
      expect(wrapParagraph(paragraph, width, indent), JSON.stringify({ paragraph, width, indent })).toEqual(referenceWrap(paragraph, width, indent));
    }
  });

  it("breaks issue 36's own text exactly where the reference does", async () => {
    const text = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
    const paragraphs = text.split("\n").filter((line) => line.trim() !== "");
    expect(paragraphs.length).toBeGreaterThan(100);
    for (const width of [20, 40, 76]) {
      for (const paragraph of paragraphs) expect(wrapParagraph(paragraph, width, "  ")).toEqual(referenceWrap(paragraph, width, "  "));
    }
  });
});
