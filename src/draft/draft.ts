import { calendarDate, parseContentDate } from "../model/fields.ts";
import { SourceError } from "../errors.ts";
import { composeDraft, knownItemKeys, type DraftSource, type SourceOutcome, type SourceReport } from "./compose.ts";
import { planNextIssue } from "./issue-file.ts";
import { draftLabelsFor } from "./labels.ts";
import { loadForDraft, placeholderSections, refuseExisting, writeDraftFile } from "./new-issue.ts";
import { parseFeed } from "./parse-feed.ts";
import { DEFAULT_LIMITS, readSource, type ReadLimits } from "./read-source.ts";

// gazette draft: the new items of the editor's feeds, gathered into the
// next issue's draft file. Reads content/, fetches every source (a few at a
// time; one failing does not stop the others), composes, writes.

export interface DraftOptions {
  root: string;
  /** Sources from the command line, instead of newsletter.yaml's: a URL or an absolute file path each. */
  from?: { label: string; location: string }[];
  /** Section for the --from sources. */
  section?: string;
  /** YYYY-MM-DD: items on or after this day, instead of after the last published issue. */
  since?: string;
  limit?: number;
  /** YYYY-MM-DD: the draft's date; else `now`'s date at the newsletter's UTC offset. */
  date?: string;
  now: Date;
  force: boolean;
  /** Write a draft (with a placeholder item) even when no feed has anything new. */
  allowEmpty: boolean;
  limits?: ReadLimits;
}

/** Feeds fetched at once. */
const CONCURRENCY = 4;

export interface DraftResult {
  number: number;
  file: string;
  written: boolean;
  items: number;
  sections: number;
  /** "2022-01-17 (issue 36)" or the --since date; undefined when there is no cut-off. */
  since?: string;
  reports: SourceReport[];
}

export async function draftNextIssue(options: DraftOptions): Promise<DraftResult> {
  const content = await loadForDraft(options.root, options.force);
  const { newsletter } = content;
  const next = planNextIssue(content.issues);
  refuseExisting(options.root, next.file, options.force);
  const sources: (DraftSource & { location: string })[] = options.from
    ? options.from.map((s) => ({ ...s, ...(options.section ? { section: options.section } : {}) }))
    : newsletter.sources.map((s) => ({ ...s, label: s.url, location: s.url }));
  if (sources.length === 0) {
    throw Object.assign(new Error("no sources: list feeds under sources: in content/newsletter.yaml, or pass --from URL"), { code: "GAZETTE_INPUT" });
  }

  const outcomes = await readAll(sources, options.limits ?? DEFAULT_LIMITS, CONCURRENCY);
  const since = options.since ? parseContentDate(options.since, newsletter.utc_offset) : next.lastPublished?.date;
  const labels = draftLabelsFor(newsletter.language);
  const date = options.date ?? calendarDate(options.now, newsletter.utc_offset);
  const { sections, reports } = composeDraft(outcomes, {
    ...(since ? { since } : {}),
    known: knownItemKeys(content.issues.filter((i) => i.file !== next.file)),
    ...(options.limit ? { limit: options.limit } : {}),
    defaultLang: newsletter.source_language ?? newsletter.language,
    labels,
  });
  const sinceText = options.since ?? (next.lastPublished && `${calendarDate(next.lastPublished.date, newsletter.utc_offset)} (issue ${next.lastPublished.number})`);
  const items = sections.reduce((n, s) => n + s.items.length, 0);
  const result = { number: next.number, file: next.file, written: false, items, sections: sections.length, ...(sinceText ? { since: sinceText } : {}), reports };
  const failed = reports.filter((r) => r.error).length;
  if (failed === reports.length || (items === 0 && !options.allowEmpty)) return result;

  await writeDraftFile(options.root, next, newsletter, {
    date,
    sections: items > 0 ? sections : placeholderSections(labels),
    comment: [
      `Issue ${next.number}, drafted by gazette draft on ${date} from ${reports.length} source${reports.length === 1 ? "" : "s"}${failed ? ` (${failed} failed)` : ""}${sinceText ? `, items since ${sinceText}` : ""}.`,
      `Each item's source: says which feed it came from. Replace everything marked ${labels.marks},`,
      "translate and trim the items, then set draft: false to publish.",
    ],
    force: options.force,
  });
  return { ...result, written: true };
}

/** Every source, `concurrency` at a time; each outcome is a feed or the error that stopped it. */
async function readAll(sources: (DraftSource & { location: string })[], limits: ReadLimits, concurrency: number): Promise<SourceOutcome[]> {
  const outcomes: SourceOutcome[] = new Array(sources.length);
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      const { location, ...source } = sources[i]!;
      try {
        const read = await readSource(location, limits);
        outcomes[i] = { source, feed: await parseFeed(read.text, read) };
      } catch (err) {
        outcomes[i] = { source, error: err instanceof SourceError ? err : new SourceError("unreadable", (err as Error).message, { cause: err }) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return outcomes;
}
