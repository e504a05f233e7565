import { ContentError, formatProblems } from "../errors.ts";

/** The text a person reads for an error this CLI expects. */
export function describeError(err: unknown): string {
  if (err instanceof ContentError) {
    const files = new Set(err.problems.map((p) => p.file)).size;
    const tail = err.consequence ? `; ${err.consequence}` : ` in ${files} file${files === 1 ? "" : "s"}`;
    return `${formatProblems(err.problems)}\n${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}${tail}.`;
  }
  return `gazette: ${(err as Error).message}`;
}
