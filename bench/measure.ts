import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

// One whole process, timed from spawn to exit: wall time, CPU time (user +
// system, every thread) and peak resident memory, from GNU time when it is
// installed (Debian's `time`), else wall time alone.

export interface Measured {
  seconds: number;
  cpuSeconds?: number;
  maxRssMb?: number;
}

const GNU_TIME = "/usr/bin/time";
export const HAVE_GNU_TIME = existsSync(GNU_TIME);

export function measure(command: string, args: string[], options: { cwd: string; what: string }): Measured {
  const dir = mkdtempSync(path.join(tmpdir(), "gazette-bench-time-"));
  const out = path.join(dir, "time");
  try {
    const started = process.hrtime.bigint();
    const child = HAVE_GNU_TIME
      ? spawnSync(GNU_TIME, ["-o", out, "-f", "%U %S %M", command, ...args], { cwd: options.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
      : spawnSync(command, args, { cwd: options.cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (child.status !== 0) throw new Error(`${options.what} failed (exit ${child.status})\n${child.stderr}`);
    if (!HAVE_GNU_TIME) return { seconds };
    const [user, system, rssKb] = readFileSync(out, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    return { seconds, cpuSeconds: user! + system!, maxRssMb: Math.round(rssKb! / 1024) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** "1.23" or "1.10-1.40 (median 1.23)". */
export function range(values: number[], digits = 2): string {
  if (values.length === 0) return "-";
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? lo : `${lo}-${hi} (median ${median(values).toFixed(digits)})`;
}
