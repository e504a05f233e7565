import { randomBytes } from "node:crypto";
import { copyFile, constants, link, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Document, isScalar, visit } from "yaml";
import { ISSUES_DIR } from "../content/load.ts";
import { parseIssue } from "../content/parse.ts";
import { ContentError } from "../errors.ts";
import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { DraftItem } from "./draft-item.ts";

// The next issue's file: which number and name it gets, its text (YAML
// front matter made by the yaml package, so quoting is always right), and
// writing it atomically without replacing a file unless asked to.

export interface NextIssue {
  number: number;
  /** content/issues/<NNN>-draft.md, relative to the project. */
  file: string;
  /** The newest issue that is not a draft: new items are those after it. */
  lastPublished?: Issue;
}

/**
 * One past the highest issue number, not counting the `<NNN>-draft.md` file
 * a previous `gazette draft` or `gazette new` wrote: that file is the next
 * issue's draft, so a rerun targets it again (and needs --force to replace it).
 */
export function planNextIssue(issues: Issue[]): NextIssue {
  const others = issues.filter((i) => !isDraftFile(i.file));
  const number = Math.max(0, ...others.map((i) => i.number)) + 1;
  const published = issues.filter((i) => !i.draft).sort((a, b) => b.date.getTime() - a.date.getTime());
  return { number, file: `${ISSUES_DIR}/${String(number).padStart(3, "0")}-draft.md`, ...(published[0] ? { lastPublished: published[0] } : {}) };
}

/** A draft file `gazette draft` or `gazette new` wrote: content/issues/<NNN>-draft.md. */
export function isDraftFile(file: string): boolean {
  return /^\d+-draft\.md$/.test(path.basename(file));
}

export interface IssueText {
  number: number;
  /** YYYY-MM-DD */
  date: string;
  title: string;
  sections: { title: string; items: DraftItem[] }[];
  lead: string;
  /** Lines of the comment above the front matter. */
  comment: string[];
}

/** The issue file's text; checked with the same parser as `gazette check`, so a draft that would fail it is never written. */
export function renderIssueFile(issue: IssueText, newsletter: Pick<Newsletter, "utc_offset">, file: string): string {
  const doc = new Document({ number: issue.number, date: issue.date, title: issue.title, draft: true, sections: issue.sections });
  doc.commentBefore = issue.comment.map((line) => ` ${line}`).join("\n");
  // Lists of names as one line each, as issues are written by hand.
  visit(doc, { Seq: (_, seq) => void (seq.items.every(isScalar) && (seq.flow = true)) });
  // No folding: a title stays on one line; a summary of several paragraphs becomes a |- block.
  const text = `---\n${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}---\n${issue.lead}\n`;
  const parsed = parseIssue(text, file, newsletter);
  if (!parsed.ok) throw new ContentError(parsed.problems, parsed.warnings, "no draft was written");
  return text;
}

/** The file already exists and --force was not given. */
export class FileExistsError extends Error {
  readonly code = "GAZETTE_EXISTS";
  constructor(readonly file: string) {
    super(`${file} already exists; edit it, or rerun with --force to replace it`);
    this.name = "FileExistsError";
  }
}

/**
 * Writes a temporary file beside the target, then renames it into place
 * (with force) or hard-links it (without: the link fails if the target
 * exists, even if it appeared a moment ago). Readers never see half a file.
 */
export async function writeIssueFile(root: string, file: string, text: string, options: { force: boolean }): Promise<void> {
  const target = path.join(root, file);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    if (options.force) await rename(tmp, target);
    else await linkNoClobber(tmp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw new FileExistsError(file);
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function linkNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    // File systems without hard links: an exclusive copy still never replaces a file.
    if (!["EPERM", "ENOTSUP", "EXDEV", "ENOSYS"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
    await copyFile(from, to, constants.COPYFILE_EXCL);
  }
}
