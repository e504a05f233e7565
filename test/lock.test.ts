import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock, describeOwner } from "../src/lock.ts";
import { tempDir } from "./helpers/project.ts";

function sleeper(command: string, args: string[]) {
  const child = spawn(command, args, { stdio: "ignore" });
  return {
    pid: child.pid!,
    stop: () => {
      child.kill();
      return new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

describe("one-process locks", () => {
  it("holds against this process and against another live one; a dead one's is taken over", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "x.lock");
    const release = acquireLock(file, "busy here");
    expect((await readFile(file, "utf8")).split("\n")[0]).toBe(String(process.pid));
    expect(() => acquireLock(file, "busy here")).toThrow(new RegExp(`^busy here \\(process ${process.pid}: .*\\); wait for it to finish \\(lock file .*x\\.lock\\)$`));
    release();

    const other = sleeper(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    await writeFile(file, describeOwner(other.pid));
    expect(() => acquireLock(file, "busy there")).toThrow(`busy there (process ${other.pid}: `);
    await other.stop();
    const taken = acquireLock(file, "x");
    expect((await readFile(file, "utf8")).split("\n")[0]).toBe(String(process.pid));
    taken();
    expect(await readdir(dir)).toEqual([]);
  });

  it("takes over a lock whose pid now belongs to another process (a reused pid)", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "x.lock");
    const stranger = sleeper("sleep", ["30"]);
    try {
      // The pid is alive, but it started at another time than the lock says: not the owner.
      const real = describeOwner(stranger.pid);
      await writeFile(file, real.replace(/^start \d+$/m, "start 1"));
      acquireLock(file, "x")();
      // A lock from before start times were kept (the pid alone) naming a live process that is not Gazette.
      await writeFile(file, String(stranger.pid));
      const release = acquireLock(file, "x");
      expect((await readFile(file, "utf8")).split("\n")[0]).toBe(String(process.pid));
      release();
    } finally {
      await stranger.stop();
    }
  });

  it("never reads a lock without its pid as stale while it is fresh", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "x.lock");
    await writeFile(file, "");
    expect(() => acquireLock(file, "being taken")).toThrow(/^being taken; wait for it to finish \(lock file .*x\.lock\)$/);
  });
});
