/** One thing wrong (or worth a warning) in one content file. */
export interface Problem {
  /** File relative to the project root, e.g. content/issues/036.md. */
  file: string;
  /** Dotted path to the field, e.g. sections[0].items[3].links.paper; "" for the whole file. */
  path: string;
  /** 1-based line in the file, when the parser knows it. */
  line?: number;
  /** What was wrong, phrased as what was expected. */
  expected: string;
  /** What was found, already cut to a readable length; absent when nothing was there. */
  received?: string;
}

/** Content that cannot be built. Carries every problem in every file. */
export class ContentError extends Error {
  readonly code = "GAZETTE_CONTENT";
  constructor(
    readonly problems: Problem[],
    readonly warnings: Problem[] = [],
    /** What did not happen because of them, for the closing line ("" when nothing was to happen: check). */
    readonly consequence = "nothing was built",
  ) {
    super(formatProblems(problems));
    this.name = "ContentError";
  }
}

/** A failure that one file explains, said as "file: what went wrong". */
abstract class FileError extends Error {
  abstract readonly code: string;
  constructor(
    /** The file at fault, relative to where the command runs. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = new.target.name;
  }
}

/** A template or renderer failure, named by the template file. */
export class RenderError extends FileError {
  readonly code = "GAZETTE_RENDER";
  /** The template file (same as `file`). */
  get template(): string {
    return this.file;
  }
}

/** A produced file that failed its own check (e.g. a feed that is not well-formed XML). */
export class OutputError extends FileError {
  readonly code = "GAZETTE_OUTPUT";
}

/** Why one feed could not be read; `gazette draft` reports it and goes on with the others. */
export type SourceFailure = "unreachable" | "http" | "timeout" | "redirects" | "too-large" | "not-a-feed" | "malformed" | "unreadable";

/** One feed that could not be read, named by its URL or file. */
export class SourceError extends Error {
  readonly code = "GAZETTE_SOURCE";
  constructor(
    readonly kind: SourceFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SourceError";
  }
}

/**
 * Groups problems by file:
 *
 *   content/issues/036.md: 2 problems
 *     line 14  sections[0].items[3].links.paper: expected an absolute http(s) URL, received "arxiv.org/abs/1"
 *     line 3   date: expected a date as YYYY-MM-DD, received "1月14日"
 */
export function formatProblems(problems: Problem[], noun = "problem"): string {
  const byFile = new Map<string, Problem[]>();
  for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  const blocks: string[] = [];
  for (const [file, list] of byFile) {
    const sorted = [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const where = sorted.map((p) => (p.line === undefined ? "" : `line ${p.line}`));
    const width = Math.max(...where.map((w) => w.length));
    const lines = sorted.map((p, i) => {
      const field = p.path === "" ? "" : `${p.path}: `;
      const received = p.received === undefined ? "" : `, received ${p.received}`;
      const at = width === 0 ? "" : `${where[i]!.padEnd(width)}  `;
      return `  ${at}${field}${p.expected}${received}`;
    });
    blocks.push(`${file}: ${list.length} ${noun}${list.length === 1 ? "" : "s"}\n${lines.join("\n")}`);
  }
  return blocks.join("\n");
}

/** Shows a value the way it appeared, cut to a readable length. */
export function describeValue(value: unknown, max = 60): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  return typeof value === "string" ? JSON.stringify(shorten(value, max)) : String(value);
}

/** At most `max` characters (code points), the last of them "…" when cut. */
export function shorten(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
