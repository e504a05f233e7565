import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ContentCache } from "../src/content/cache.ts";
import type { Issue } from "../src/model/issue.ts";

// A cache is opened once per file and stamp in a process (gazette preview
// reuses its own); each read below goes through a copy, as another process would.

let dir: string;
let copies = 0;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gazette-content-cache-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reopen(file: string, version = "v1"): Promise<ContentCache> {
  const copy = path.join(dir, `copy-${++copies}.v8`);
  await copyFile(file, copy);
  return ContentCache.open(copy, version);
}

function issue(n: number, title: string, section = "论文"): Issue {
  return { number: n, title, date: new Date(Date.UTC(2024, 0, n)), file: `content/issues/${n}.md`, sections: [{ title: section, items: [] }] } as unknown as Issue;
}

const stamp = (n: number) => ({ size: 100 + n, mtimeMs: 1000 + n, ino: n });

async function filled(file: string, count: number): Promise<ContentCache> {
  const cache = await ContentCache.open(file, "v1");
  for (let n = 1; n <= count; n++) cache.set(`content/issues/${n}.md`, { key: `k${n}`, stamp: stamp(n), utcOffset: "+08:00", issue: issue(n, `第 ${n} 期`), warnings: [] });
  await cache.save();
  return cache;
}

describe("the content cache", () => {
  it("hands back every entry, Dates and derived values included, after an edit saved only that entry again", async () => {
    const file = path.join(dir, "content.v8");
    const first = await filled(file, 3);
    const two = first.byStamp("content/issues/2.md", stamp(2), "+08:00")!;
    expect(first.derived(two.issue, "summary", "n1", () => "摘要二")).toBe("摘要二");
    first.set("content/issues/3.md", { key: "k3b", stamp: stamp(33), utcOffset: "+08:00", issue: issue(3, "第 3 期（改）", "新闻"), warnings: [] });
    await first.save();

    const again = await reopen(file);
    expect(again.byStamp("content/issues/1.md", stamp(1), "+08:00")?.issue.title).toBe("第 1 期");
    expect(again.byStamp("content/issues/1.md", stamp(1), "+08:00")?.issue.date).toEqual(new Date(Date.UTC(2024, 0, 1)));
    const reread = again.byStamp("content/issues/2.md", stamp(2), "+08:00")!;
    expect(again.derived(reread.issue, "summary", "n1", () => "made again")).toBe("摘要二");
    expect(again.byStamp("content/issues/3.md", stamp(3), "+08:00")).toBeUndefined();
    expect(again.byStamp("content/issues/3.md", stamp(33), "+08:00")?.issue.title).toBe("第 3 期（改）");
    // Items are read from the cache when asked for: after a save that did not read them, they are still there.
    expect(again.byStamp("content/issues/3.md", stamp(33), "+08:00")?.issue.sections).toEqual([{ title: "新闻", items: [] }]);
    expect(again.derived(again.byStamp("content/issues/1.md", stamp(1), "+08:00")!.issue, "summary", "n1", () => "摘要一")).toBe("摘要一");
    await again.save();
    const third = await reopen(path.join(dir, `copy-${copies}.v8`));
    const one = third.byStamp("content/issues/1.md", stamp(1), "+08:00")!.issue;
    expect(Object.keys(one)).toEqual(["number", "title", "date", "file", "sections"]);
    expect(one.sections).toEqual([{ title: "论文", items: [] }]);
    expect(JSON.parse(JSON.stringify(one)).sections).toEqual([{ title: "论文", items: [] }]);
    // A UTC offset other than the one parsed with means the file is parsed again.
    expect(again.byStamp("content/issues/1.md", stamp(1), "+00:00")).toBeUndefined();
  });

  it("forgets files no longer seen, and a touched file's new stamp", async () => {
    const file = path.join(dir, "content.v8");
    const first = await filled(file, 3);
    expect(first.byKey("content/issues/1.md", "k1", stamp(11))).toBeDefined();
    first.retain(new Set(["content/issues/1.md", "content/issues/3.md"]));
    await first.save();
    const again = await reopen(file);
    expect(again.byStamp("content/issues/1.md", stamp(11), "+08:00")?.issue.number).toBe(1);
    expect(again.byStamp("content/issues/2.md", stamp(2), "+08:00")).toBeUndefined();
    expect(again.byStamp("content/issues/3.md", stamp(3), "+08:00")?.issue.number).toBe(3);
  });

  it("starts empty, without failing, from a file cut short, a file of another format or another code version", async () => {
    const file = path.join(dir, "content.v8");
    await filled(file, 3);
    const whole = await readFile(file);
    expect((await reopen(file)).byStamp("content/issues/3.md", stamp(3), "+08:00")).toBeDefined();
    expect((await reopen(file, "v2")).byStamp("content/issues/1.md", stamp(1), "+08:00")).toBeUndefined();

    await truncate(file, whole.length - 5);
    const cut = await reopen(file);
    expect(cut.byStamp("content/issues/1.md", stamp(1), "+08:00")).toBeUndefined();
    expect(cut.byStamp("content/issues/3.md", stamp(3), "+08:00")).toBeUndefined();

    await writeFile(file, "not a cache");
    expect((await reopen(file)).byStamp("content/issues/1.md", stamp(1), "+08:00")).toBeUndefined();
  });
});
