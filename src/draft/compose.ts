import type { SourceError } from "../errors.ts";
import type { Issue } from "../model/issue.ts";
import { toCandidate, type Candidate, type DraftItem, type ItemContext } from "./draft-item.ts";
import type { DraftLabels } from "./labels.ts";
import { itemKeys, linkUrls } from "./links.ts";
import type { ParsedFeed } from "./parse-feed.ts";

// Which entries go into the draft, and under which section. Pure: sources
// are taken in the order given (the first one to list an item keeps it),
// whatever order their fetches finished in.

export interface DraftSource {
  /** As the editor named it: a URL or a file path. */
  label: string;
  section?: string;
  limit?: number;
}

export interface SourceOutcome {
  source: DraftSource;
  feed?: ParsedFeed;
  error?: SourceError;
}

export interface SourceReport {
  label: string;
  /** Entries in the feed. */
  found: number;
  /** Of those, dated on or after the cut-off (or undated). */
  fresh: number;
  /** New entries already in an earlier issue or listed before in this run. */
  duplicates: number;
  /** Written to the draft. */
  kept: number;
  /** New and unique, but past the source's limit. */
  overLimit: number;
  error?: SourceError;
}

export interface ComposeOptions {
  /** Entries dated before this are not new. */
  since?: Date;
  /** Keys of every item in the issues already written. */
  known: Set<string>;
  /** Per-source limit from the command line; wins over the source's own. */
  limit?: number;
  defaultLang: string;
  labels: DraftLabels;
}

export interface Composed {
  sections: { title: string; items: DraftItem[] }[];
  reports: SourceReport[];
}

export function composeDraft(outcomes: SourceOutcome[], options: ComposeOptions): Composed {
  const seen = new Set(options.known);
  const sections = new Map<string, DraftItem[]>();
  const reports: SourceReport[] = [];
  for (const { source, feed, error } of outcomes) {
    const report: SourceReport = { label: source.label, found: 0, fresh: 0, duplicates: 0, kept: 0, overLimit: 0, ...(error ? { error } : {}) };
    reports.push(report);
    if (!feed) continue;
    const context: ItemContext = { feed, source: source.label, defaultLang: options.defaultLang, labels: options.labels };
    const candidates = newestFirst(feed.entries.map((entry) => toCandidate(entry, context)));
    const limit = options.limit ?? source.limit ?? Infinity;
    const title = source.section ?? options.labels.section;
    report.found = candidates.length;
    for (const candidate of candidates) {
      if (options.since && candidate.date && candidate.date < options.since) continue;
      report.fresh++;
      if (candidate.keys.some((key) => seen.has(key))) report.duplicates++;
      else if (report.kept >= limit) report.overLimit++;
      else {
        report.kept++;
        for (const key of candidate.keys) seen.add(key);
        sections.set(title, [...(sections.get(title) ?? []), candidate.item]);
      }
    }
  }
  return { sections: [...sections].map(([title, items]) => ({ title, items })), reports };
}

/** The comparison keys of every item of these issues, from all their links. */
export function knownItemKeys(issues: Issue[]): Set<string> {
  const keys = new Set<string>();
  for (const issue of issues) {
    for (const item of issue.sections.flatMap((s) => s.items)) {
      for (const key of itemKeys(linkUrls(item.links))) keys.add(key);
    }
  }
  return keys;
}

/** Newest first when every entry is dated; else the feed's own order (an arXiv listing's, say). */
function newestFirst(candidates: Candidate[]): Candidate[] {
  if (candidates.some((c) => !c.date)) return candidates;
  return [...candidates].sort((a, b) => b.date!.getTime() - a.date!.getTime());
}
