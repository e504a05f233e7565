import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../src/lock.ts";
import { tempDir } from "./helpers/project.ts";

describe("one-process locks", () => {
  it("holds against this process and against another live one; a dead one's is taken over", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "x.lock");
    const release = acquireLock(file, "busy here");
    expect(await readFile(file, "utf8")).toBe(String(process.pid));
    expect(() => acquireLock(file, "busy here")).toThrow(`busy here (process ${process.pid}); wait for it to finish`);
    release();

    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    await writeFile(file, String(other.pid));
    expect(() => acquireLock(file, "busy there")).toThrow(`busy there (process ${other.pid})`);
    other.kill();
    await new Promise((resolve) => other.once("exit", resolve));
    const taken = acquireLock(file, "x");
    expect(await readFile(file, "utf8")).toBe(String(process.pid));
    taken();
    expect(await readdir(dir)).toEqual([]);
  });

  it("never reads a lock without its pid as stale while it is fresh", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "x.lock");
    await writeFile(file, "");
    expect(() => acquireLock(file, "being taken")).toThrow("being taken; wait for it to finish");
  });
});
