import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FileWriter, SYNC_OPS } from "../src/build/file-writer.ts";

// A build hands its cache files to a writer thread; what it hands over must
// arrive in order, whole, and a failure must reach the build, by name.

describe("the build's file writer", () => {
  it("writes on its thread in the order given, and flush() waits for the last", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gazette-writer-"));
    const writer = new FileWriter();
    try {
      // Past the few it writes at once: the rest go to the thread.
      for (let i = 0; i < SYNC_OPS + 200; i++) writer.write(path.join(dir, "same.txt"), `version ${i}`);
      writer.do({ op: "mkdir", dir: path.join(dir, "shard.tmp") });
      writer.write(path.join(dir, "shard.tmp/a.json"), "{}", path.join(dir, "shard.tmp/.a.json.tmp"));
      writer.do({ op: "replaceDir", from: path.join(dir, "shard.tmp"), to: path.join(dir, "shard") });
      await writer.flush();
      expect(await readFile(path.join(dir, "same.txt"), "utf8")).toBe(`version ${SYNC_OPS + 199}`);
      expect((await readdir(dir)).sort()).toEqual(["same.txt", "shard"]);
      expect(await readdir(path.join(dir, "shard"))).toEqual(["a.json"]);
    } finally {
      await writer.close();
    }
  });

  it("makes a build that outruns the disk wait until most of what it handed over is written", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gazette-writer-"));
    const writer = new FileWriter();
    try {
      for (let i = 0; i < SYNC_OPS; i++) writer.write(path.join(dir, "000.txt"), "written at once");
      // Then 100 files of 200,000 characters: 20 million handed over to the thread at once, in order.
      const body = "检索".repeat(100_000);
      for (let i = 0; i < 100; i++) writer.write(path.join(dir, `${String(i).padStart(3, "0")}.txt`), body);
      await writer.room();
      // What is still to write is a few megabytes at most (ten such files), never the 20 million.
      const written = (await readdir(dir)).length;
      expect(written).toBeGreaterThanOrEqual(89);
      await writer.flush();
      expect(await readdir(dir)).toHaveLength(100);
    } finally {
      await writer.close();
    }
  });

  it("rejects the flush with the operation that failed, skips what came after it, and goes on after", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gazette-writer-"));
    await writeFile(path.join(dir, "a-file"), "");
    const writer = new FileWriter();
    try {
      for (let i = 0; i < SYNC_OPS + 20; i++) writer.write(path.join(dir, `${i}.txt`), "x");
      writer.write(path.join(dir, "a-file/inside.txt"), "x");
      writer.write(path.join(dir, "after.txt"), "x");
      await expect(writer.flush()).rejects.toThrow(`writing ${path.join(dir, "a-file/inside.txt")}: ENOTDIR`);
      expect(await readdir(dir)).not.toContain("after.txt");
      writer.write(path.join(dir, "later.txt"), "x");
      await writer.flush();
      expect(await readdir(dir)).toContain("later.txt");
    } finally {
      await writer.close();
    }
  });
});
