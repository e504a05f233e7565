import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeDist } from "../src/build/write-dist.ts";
import { snapshotTree, tempDir } from "./helpers/project.ts";

// writeDist stages the new dist/ in the tree the swap before last retired.
// Only the folders that held a file taken away are looked at for being
// empty (the tree is not walked a second time), except in a tree a crashed
// build left, which may hold folders that build emptied.

const text = (files: Record<string, string>) => new Map(Object.entries(files));

async function folders(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const rel = `${prefix}${entry.name}`;
    out.push(rel, ...(await folders(path.join(dir, entry.name), `${rel}/`)));
  }
  return out.sort();
}

describe("writeDist", () => {
  it("leaves no folder empty, however deep, when the tree it stages in held files that are gone", async () => {
    const root = await tempDir("gazette-write-dist-");
    const dist = path.join(root, "dist");
    await writeDist(dist, text({ "a/x.html": "1", "deep/er/o.html": "o", "deep/p.html": "p", "b/y.html": "y" }));
    await writeDist(dist, text({ "a/x.html": "2", "b/y.html": "y" }));
    // Staged in the first build's tree: deep/er/o.html and deep/p.html are taken away, and their folders with them.
    const third = await writeDist(dist, text({ "a/x.html": "3", "b/y.html": "y" }));
    expect(third.written).toEqual(["a/x.html"]);
    expect(third.unchanged).toEqual(["b/y.html"]);
    expect(await folders(dist)).toEqual(["a", "b"]);
    // A folder that still holds a file stays.
    await writeDist(dist, text({ "a/x.html": "4" }));
    const fifth = await writeDist(dist, text({ "a/x.html": "5", "b/z.html": "z" }));
    expect(fifth.removed).toEqual([]);
    expect([...(await snapshotTree(dist)).keys()].sort()).toEqual(["a/x.html", "b/z.html"]);
    expect(await folders(dist)).toEqual(["a", "b"]);
  });

  it("publishes no empty folder from the staging tree a crashed build left", async () => {
    const root = await tempDir("gazette-write-dist-");
    const dist = path.join(root, "dist");
    await writeDist(dist, text({ "a/x.html": "1" }));
    // The crashed build had taken old/o.html away before it died; its folder is left, empty.
    await mkdir(path.join(root, ".gazette-tmp-dist-new/a"), { recursive: true });
    await mkdir(path.join(root, ".gazette-tmp-dist-new/old/er"), { recursive: true });
    await writeFile(path.join(root, ".gazette-tmp-dist-new/a/x.html"), "staged");
    const report = await writeDist(dist, text({ "a/x.html": "2" }));
    expect(report.written).toEqual(["a/x.html"]);
    expect(await folders(dist)).toEqual(["a"]);
  });
});
