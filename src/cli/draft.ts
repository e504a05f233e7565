import { InvalidArgumentError, type Command } from "commander";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceReport } from "../draft/compose.ts";
import type { DraftResult } from "../draft/draft.ts";
import { DEFAULT_LIMITS } from "../draft/read-source.ts";
import { dateProblem } from "../model/fields.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface DraftFlags {
  from?: string[];
  section?: string;
  since?: string;
  limit?: number;
  timeout: number;
  date?: string;
  force?: boolean;
  allowEmpty?: boolean;
}

/** gazette draft · gazette new */
export function registerDraftCommands(program: Command, io: Io, rootOf: () => string): void {
  program
    .command("draft")
    .description("gather the new items of the newsletter's feeds into content/issues/<next>-draft.md")
    .option("--from <url-or-file>", "read this feed instead of newsletter.yaml's sources (repeatable)", (value: string, list: string[] = []) => [...list, value])
    .option("--section <title>", "section for the --from feeds' items")
    .option("--since <date>", "items on or after YYYY-MM-DD (default: the last published issue's date)", parseDay)
    .option("--limit <n>", "at most this many new items per feed", parseCount)
    .option("--timeout <seconds>", "give up on a feed after this long", parseSeconds, DEFAULT_LIMITS.timeoutMs / 1000)
    .option("--date <date>", "the draft's date, YYYY-MM-DD (default: today)", parseDay)
    .option("--force", "replace the draft file if it exists (drafts named <NNN>-draft.md are then not read)")
    .option("--allow-empty", "write a draft with a placeholder item even when nothing is new")
    // Imported on use: rss-parser and htmlparser2 stay out of every other command.
    .action(async (flags: DraftFlags) => {
      const { draftNextIssue } = await import("../draft/draft.ts");
      const result = await draftNextIssue({
        root: rootOf(),
        ...(flags.from ? { from: flags.from.map(resolveSource) } : {}),
        ...(flags.section ? { section: flags.section } : {}),
        ...(flags.since ? { since: flags.since } : {}),
        ...(flags.limit ? { limit: flags.limit } : {}),
        ...(flags.date ? { date: flags.date } : {}),
        now: new Date(),
        force: Boolean(flags.force),
        allowEmpty: Boolean(flags.allowEmpty),
        limits: { ...DEFAULT_LIMITS, timeoutMs: flags.timeout * 1000 },
      });
      report(io, result);
    });

  program
    .command("new")
    .description("start the next issue as content/issues/<next>-draft.md: valid, dated today, with a placeholder item")
    .option("--date <date>", "the issue's date, YYYY-MM-DD (default: today)", parseDay)
    .option("--force", "replace the draft file if it exists (drafts named <NNN>-draft.md are then not read)")
    .action(async (flags: { date?: string; force?: boolean }) => {
      const { createNextIssue } = await import("../draft/new-issue.ts");
      const created = await createNextIssue({ root: rootOf(), ...(flags.date ? { date: flags.date } : {}), now: new Date(), force: Boolean(flags.force) });
      io.out(`wrote ${created.file}: issue ${created.number} (draft), dated ${created.date}; replace its placeholders, then set draft: false\n`);
    });
}

function report(io: Io, result: DraftResult): void {
  const width = Math.max(...result.reports.map((r) => r.label.length));
  const lines = result.reports.map((r) => `  ${r.label.padEnd(width)}  ${r.error ? "failed (below)" : counts(r)}`);
  io.out(`sources${result.since ? `, items since ${result.since}` : ""}:\n${lines.join("\n")}\n`);
  const failed = result.reports.filter((r) => r.error);
  if (failed.length > 0) {
    io.err(`gazette: ${failed.length} of ${result.reports.length} source${result.reports.length === 1 ? "" : "s"} failed:\n${failed.map((r) => `  ${r.label}: ${r.error!.message}\n`).join("")}`);
  }
  if (failed.length === result.reports.length) throw Object.assign(new Error("every source failed; no draft was written"), { exitCode: 1 });
  if (!result.written) {
    io.out(`nothing new${result.since ? ` since ${result.since}` : ""}: no draft written (--allow-empty writes one with a placeholder item)\n`);
    return;
  }
  const items = result.items === 0 ? "a placeholder item" : `${result.items} item${result.items === 1 ? "" : "s"} in ${result.sections} section${result.sections === 1 ? "" : "s"}`;
  io.out(`wrote ${result.file}: issue ${result.number} (draft), ${items}\n`);
}

function counts(r: SourceReport): string {
  const dup = `${r.duplicates} duplicate${r.duplicates === 1 ? "" : "s"}`;
  return `${r.found} found, ${r.fresh} new, ${dup}, ${r.kept} kept${r.overLimit ? ` (${r.overLimit} more over the limit)` : ""}`;
}

/** An http(s) URL as it is; a file: URL or a path, as an absolute path. */
function resolveSource(value: string): { label: string; location: string } {
  if (/^https?:\/\//i.test(value)) return { label: value, location: value };
  if (/^file:/i.test(value)) return { label: value, location: fileURLToPath(value) };
  return { label: value, location: path.resolve(value) };
}

function parseDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError("expected a date as YYYY-MM-DD");
  const problem = dateProblem(value);
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected a whole number from 1 up");
  return n;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a number of seconds, such as 15 or 0.5");
  return n;
}
