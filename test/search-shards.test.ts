import { describe, expect, it } from "vitest";
import { SHARD_ISSUES, shardRanges } from "../src/build/search-index.ts";

// How the archive is cut into search shards decides what an edit or a new
// issue costs: Pagefind re-indexes a whole shard whenever one of its issues changes.

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
