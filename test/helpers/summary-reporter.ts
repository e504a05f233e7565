import type { Reporter, SerializedError, TestModule, TestRunEndReason } from "vitest/node";

/** The closing line's counts: a run that failed never reads "0 failed". */
export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints one plain closing line, "tests: N passed, N failed, N skipped",
 * that CI and people can read without vitest's colours and layout.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const { passed, failed, skipped } = summarize(testModules, unhandledErrors.length, reason);
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

/**
 * Failed tests, plus one failure for each file that failed with no failed
 * test of its own (it did not load, or a hook threw, so its tests never
 * ran), plus each unhandled error; and at least one when vitest says the
 * run failed for any other reason.
 */
export function summarize(testModules: ReadonlyArray<TestModule>, unhandledErrors: number, reason: TestRunEndReason): Summary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const mod of testModules) {
    let failedHere = 0;
    for (const test of mod.children.allTests()) {
      const state = test.result().state;
      if (state === "passed") passed++;
      else if (state === "failed") failedHere++;
      else skipped++;
    }
    if (failedHere === 0 && (mod.state() === "failed" || mod.errors().length > 0)) failedHere = 1;
    failed += failedHere;
  }
  failed += unhandledErrors;
  if (reason === "failed" && failed === 0) failed = 1;
  return { passed, failed, skipped };
}
