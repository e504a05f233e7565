import { existsSync } from "node:fs";
import path from "node:path";
import { loadContent, type Content } from "../content/load.ts";
import { ContentError } from "../errors.ts";
import { calendarDate } from "../model/fields.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { DraftItem } from "./draft-item.ts";
import { FileExistsError, isDraftFile, planNextIssue, renderIssueFile, writeIssueFile, type NextIssue } from "./issue-file.ts";
import { draftLabelsFor, type DraftLabels } from "./labels.ts";

// gazette new: the next issue, empty but valid, for editors who do not
// start from feeds. The schema wants one section with one item, so it has a
// placeholder item, marked as such, that the editor replaces.

export interface NewIssueOptions {
  root: string;
  /** YYYY-MM-DD: the issue's date; else `now`'s date at the newsletter's UTC offset. */
  date?: string;
  now: Date;
  force: boolean;
}

export async function createNextIssue(options: NewIssueOptions): Promise<{ number: number; file: string; date: string }> {
  const content = await loadForDraft(options.root, options.force);
  const next = planNextIssue(content.issues);
  refuseExisting(options.root, next.file, options.force);
  const labels = draftLabelsFor(content.newsletter.language);
  const date = options.date ?? calendarDate(options.now, content.newsletter.utc_offset);
  await writeDraftFile(options.root, next, content.newsletter, {
    date,
    sections: placeholderSections(labels),
    comment: [`Issue ${next.number}, started by gazette new. Replace everything marked ${labels.marks},`, "then set draft: false to publish it."],
    force: options.force,
  });
  return { number: next.number, file: next.file, date };
}

/** The next issue's draft file, with the placeholder title and lead in the newsletter's language; checked, then written atomically. */
export async function writeDraftFile(
  root: string,
  next: NextIssue,
  newsletter: Newsletter,
  draft: { date: string; sections: { title: string; items: DraftItem[] }[]; comment: string[]; force: boolean },
): Promise<void> {
  const labels = draftLabelsFor(newsletter.language);
  const text = renderIssueFile(
    { number: next.number, date: draft.date, title: labels.title, sections: draft.sections, lead: labels.lead, comment: draft.comment },
    newsletter,
    next.file,
  );
  await writeIssueFile(root, next.file, text, { force: draft.force });
}

/** One section holding one clearly marked placeholder item. */
export function placeholderSections(labels: DraftLabels): { title: string; items: DraftItem[] }[] {
  return [{ title: labels.placeholderSection, items: [{ title: labels.placeholderTitle, summary: labels.placeholderSummary }] }];
}

/**
 * The project's content, or every problem in it with "no draft was
 * written". With --force the drafts Gazette wrote (<NNN>-draft.md) are not
 * read: the one about to be replaced may be half edited and invalid.
 */
export async function loadForDraft(root: string, force: boolean): Promise<Content> {
  try {
    return await loadContent(root, undefined, { skipFile: (file) => force && isDraftFile(file), skipImages: true });
  } catch (err) {
    if (err instanceof ContentError) throw new ContentError(err.problems, err.warnings, "no draft was written");
    throw err;
  }
}

/** Fails early, before any feed is fetched; the write itself checks again. */
export function refuseExisting(root: string, file: string, force: boolean): void {
  if (!force && existsSync(path.join(root, file))) throw new FileExistsError(file);
}
