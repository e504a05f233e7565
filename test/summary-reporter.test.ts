import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./helpers/project.ts";

const CASES = path.join(REPO, "test/fixtures/reporter");

/** Runs vitest on some of the reporter's cases in a child process; returns its closing line and exit status. */
function runCases(pattern: string): { line: string; status: number | null } {
  const result = spawnSync(process.execPath, [path.join(REPO, "node_modules/vitest/vitest.mjs"), "run", "--config", path.join(CASES, "vitest.config.ts")], {
    cwd: CASES,
    env: { ...process.env, REPORTER_CASES: pattern, NO_COLOR: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  const lines = result.stdout.split("\n").filter((l) => l.startsWith("tests: "));
  return { line: lines.at(-1) ?? `no closing line in: ${result.stdout}${result.stderr}`, status: result.status };
}

describe("the closing summary line", () => {
  it("counts passed and skipped tests of a run that passed", () => {
    expect(runCases("passes.case.ts")).toEqual({ line: "tests: 1 passed, 0 failed, 1 skipped", status: 0 });
  });

  it("counts a file that fails to load as failed", () => {
    expect(runCases("does-not-load.case.ts")).toEqual({ line: "tests: 0 passed, 1 failed, 0 skipped", status: 1 });
  });

  it("counts a file whose hook threw as failed, though its tests were skipped", () => {
    expect(runCases("hook-throws.case.ts")).toEqual({ line: "tests: 0 passed, 1 failed, 2 skipped", status: 1 });
  });

  it("counts an unhandled error as failed, though every test passed", () => {
    expect(runCases("unhandled.case.ts")).toEqual({ line: "tests: 1 passed, 1 failed, 0 skipped", status: 1 });
  });

  it("adds them up over a whole run", () => {
    expect(runCases("*.case.ts")).toEqual({ line: "tests: 2 passed, 3 failed, 3 skipped", status: 1 });
  });
});
