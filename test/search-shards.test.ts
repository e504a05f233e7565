import { describe, expect, it } from "vitest";
import { SHARD_ISSUES, shardRanges } from "../src/build/search-index.ts";
import { shardFiles } from "../src/build/search-shard.ts";

// How the archive is cut into search shards decides what an edit or a new
// issue costs: a whole shard is indexed again whenever one of its issues changes.

const sizes = (count: number) => shardRanges(count).map(([start, end]) => end - start);

describe("search shards", () => {
  it("covers every published issue once, oldest first, in full shards and then halving ones", () => {
    expect(shardRanges(0)).toEqual([]);
    expect(shardRanges(1)).toEqual([[0, 1]]);
    expect(sizes(1000)).toEqual([128, 128, 128, 128, 128, 128, 128, 64, 32, 8]);
    for (let count = 0; count <= 3 * SHARD_ISSUES; count++) {
      const ranges = shardRanges(count);
      let next = 0;
      for (const [start, end] of ranges) {
        expect(start).toBe(next);
        expect(end).toBeGreaterThan(start);
        next = end;
      }
      expect(next).toBe(count);
      expect(ranges.length).toBeLessThanOrEqual(Math.floor(count / SHARD_ISSUES) + Math.log2(SHARD_ISSUES));
    }
  });

  it("re-forms only the newest shards when an issue is added: a couple of issues' worth on average", () => {
    let reindexed = 0;
    for (let count = 0; count < 1000; count++) {
      const before = new Set(shardRanges(count).map((r) => r.join("-")));
      const after = shardRanges(count + 1);
      const made = after.filter((r) => !before.has(r.join("-")));
      // What is re-formed is the newest end: every shard before it stays as it was.
      const kept = after.slice(0, after.length - made.length);
      expect(kept.every((r) => before.has(r.join("-")))).toBe(true);
      reindexed += made.reduce((sum, [start, end]) => sum + end - start, 0);
    }
    expect(reindexed / 1000).toBeLessThan(9);
  });

  it("keeps the newest issue in a small shard most weeks", () => {
    const newest = Array.from({ length: 1000 }, (_, i) => sizes(i + 1).at(-1)!);
    const small = newest.filter((size) => size <= 8).length;
    expect(small / newest.length).toBeGreaterThan(0.9);
  });
});

// The terms module is the one the search page loads (assets/search-terms.js).
const terms = await import("../src/render/web/templates/search-terms.js");
const scan = (text: string) => {
  const out: Array<[string, string]> = [];
  terms.scanTerms(text, (term, start, end) => out.push([term, text.slice(start, end)]));
  return out;
};

describe("search terms", () => {
  it("cuts Chinese into overlapping pairs and its last character, and words by letters and digits", () => {
    expect(scan("梯度信息 GradMax，GPT-3")).toEqual([
      ["梯度", "梯度"], ["度信", "度信"], ["信息", "信息"], ["息", "息"],
      ["gradmax", "GradMax"], ["gpt", "GPT"], ["3", "3"],
    ]);
    // Full-width letters and case fold to one term; a character beyond the BMP is one character.
    expect(scan("ＧｒａｄＭａｘ")).toEqual([["gradmax", "ＧｒａｄＭａｘ"]]);
    expect(scan("𠀀字")).toEqual([["𠀀字", "𠀀字"], ["字", "字"]]);
    expect(scan("<script>window.__pwned</script>").map(([t]) => t)).toEqual(["script", "window", "pwned", "script"]);
  });

  it("matches a query's pairs whole and its last word, or a lone character, as a prefix", () => {
    expect(terms.queryTerms("混合专家")).toEqual([{ term: "混合", prefix: false }, { term: "合专", prefix: false }, { term: "专家", prefix: false }]);
    expect(terms.queryTerms("grad max")).toEqual([{ term: "grad", prefix: false }, { term: "max", prefix: true }]);
    expect(terms.queryTerms("梯")).toEqual([{ term: "梯", prefix: true }]);
    expect(terms.queryTerms("  ，。 ")).toEqual([]);
  });

  it("writes a term's papers as a compact string that reads back to the same numbers", () => {
    const numbers = [0, 1, 31, 32, 33, 1023, 1024, 1535, 6, 100000, 2 ** 31];
    const encoded = terms.encodeNumbers(numbers);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(terms.decodeNumbers(encoded)).toEqual(numbers);
    // Small numbers, nearly all of them, take one character.
    expect(terms.encodeNumbers([0, 6, 31])).toHaveLength(3);
    expect(() => terms.decodeNumbers("AB\"")).toThrow(/not a number list/);
  });

  it("puts every term in the bucket of its first character, so a prefix's terms share its file", () => {
    for (const buckets of [1, 2, 64]) {
      for (const [a, b] of [["梯", "梯度"], ["g", "gradmax"], ["𠀀", "𠀀字"]]) expect(terms.bucketOf(b!, buckets)).toBe(terms.bucketOf(a!, buckets));
      expect(terms.bucketOf("gradmax", buckets)).toBeLessThan(buckets);
    }
    const spread = new Set("abcdefghijklmnopqrstuvwxyz梯度信息混合专家".split("").map((c) => terms.bucketOf(c, 64)));
    expect(spread.size).toBeGreaterThan(16);
  });
});

describe("a search shard's files", () => {
  const doc = (title: string, summary: string, url = `/issues/1/#${title}`) => ({ url, title, translation: "", issue: "第1期", headline: "", institutions: "", authors: "", summary });

  it("lists each term's papers with weights, the title weighing most, and each issue's results apart", async () => {
    const { files, documents } = await shardFiles([
      { number: 1, documents: [doc("GradMax", "梯度 growing"), doc("Other", "GradMax 梯度 梯度")] },
      { number: 2, documents: [doc("Third", "nothing")] },
    ]);
    expect(documents).toBe(3);
    const shard = JSON.parse(files.get("shard.json")!) as { docs: number; buckets: number; lengths: number[]; issues: number[][] };
    expect(shard).toMatchObject({ docs: 3, buckets: 1, issues: [[1, 2], [2, 1]] });
    // Terms in each paper, the issue's label (第 1 期: three) among them.
    expect(shard.lengths).toEqual([7, 9, 5]);
    const index = Object.fromEntries(Object.entries(JSON.parse(files.get("terms-0.json")!) as Record<string, string>).map(([t, e]) => [t, terms.decodeNumbers(e)]));
    // Papers as gaps: gradmax is in paper 0 (its title: 6) and paper 1 (the summary: 1).
    expect(index.gradmax).toEqual([0, 6, 1, 1]);
    expect(index["梯度"]).toEqual([0, 1, 1, 2]);
    expect(index.nothing).toEqual([2, 1]);
    expect(JSON.parse(files.get("issue-2.json")!)).toEqual([{ url: "/issues/1/#Third", title: "Third", translation: "", issue: "第1期", text: "nothing" }]);
    // The same papers give the same bytes.
    const again = await shardFiles([
      { number: 1, documents: [doc("GradMax", "梯度 growing"), doc("Other", "GradMax 梯度 梯度")] },
      { number: 2, documents: [doc("Third", "nothing")] },
    ]);
    expect(again.files).toEqual(files);
  });

  it("splits a large shard's terms into files by first character", async () => {
    const many = Array.from({ length: 200 }, (_, i) => doc(`paper${i}`, `word${i} 词${i}`));
    const { files } = await shardFiles([{ number: 1, documents: many }]);
    const shard = JSON.parse(files.get("shard.json")!) as { buckets: number };
    expect(shard.buckets).toBe(16);
    for (let b = 0; b < shard.buckets; b++) {
      for (const term of Object.keys(JSON.parse(files.get(`terms-${b}.json`)!) as object)) expect(terms.bucketOf(term, 16)).toBe(b);
    }
  });
});
