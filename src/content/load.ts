import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { ContentError, type Problem } from "../errors.ts";
import type { Issue } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { ImageCache } from "../images/cache.ts";
import { checkImages } from "../images/images.ts";
import type { ContentCache, FileStamp } from "./cache.ts";
import { parseIssue, parseNewsletter } from "./parse.ts";

export interface Content {
  newsletter: Newsletter;
  /** Every issue, drafts included, newest first. */
  issues: Issue[];
  /** Source file → hash of its text and the UTC offset: what the issue is made from. */
  fingerprints: Map<string, string>;
  warnings: Problem[];
}

export const NEWSLETTER_FILE = "content/newsletter.yaml";
/**
 * No content file may be larger: an issue's email must stay under Gmail's
 * 102 KB clipping point, which an issue of more than about 50 KB of text
 * cannot, and reading, parsing and rendering a file of many megabytes takes
 * gigabytes before the email's size is known. Refused before it is read.
 */
export const MAX_CONTENT_FILE_BYTES = 1024 * 1024;
export const ISSUES_DIR = "content/issues";

/**
 * Reads and validates everything under `<root>/content`. Throws one
 * ContentError listing every problem in every file. With a cache, files
 * whose text has not changed are not parsed again.
 */
export async function loadContent(
  root: string,
  cache?: ContentCache,
  options: { skipFile?: (file: string) => boolean; imageCache?: ImageCache; skipImages?: boolean } = {},
): Promise<Content> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];

  const newsletterText = readText(root, NEWSLETTER_FILE, problems);
  const parsedNewsletter = newsletterText === undefined ? undefined : parseNewsletter(newsletterText, NEWSLETTER_FILE);
  if (parsedNewsletter) {
    warnings.push(...parsedNewsletter.warnings);
    if (!parsedNewsletter.ok) problems.push(...parsedNewsletter.problems);
  }
  const newsletter = parsedNewsletter?.ok ? parsedNewsletter.value : undefined;

  const issues: Issue[] = [];
  const fingerprints = new Map<string, string>();
  const files = (await listIssueFiles(root, problems)).filter((file) => !options.skipFile?.(file));
  const utcOffset = newsletter?.utc_offset ?? "+00:00";
  for (const file of files) {
    const stamp = stampOf(path.join(root, file));
    const known = stamp && cache?.byStamp(file, stamp, utcOffset);
    if (known) {
      issues.push(known.issue);
      warnings.push(...known.warnings);
      fingerprints.set(file, known.key);
      continue;
    }
    const text = readText(root, file, problems, stamp?.size);
    if (text === undefined) continue;
    // The same bytes as hashing `${utcOffset}\0${text}`, without making that string.
    const key = createHash("sha256").update(utcOffset).update("\0").update(text).digest("hex");
    const touched = stamp && cache?.byKey(file, key, stamp);
    if (touched) {
      issues.push(touched.issue);
      warnings.push(...touched.warnings);
      fingerprints.set(file, key);
      continue;
    }
    const parsed = parseIssue(text, file, { utc_offset: utcOffset });
    warnings.push(...parsed.warnings);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    issues.push(parsed.value);
    fingerprints.set(file, key);
    if (stamp) cache?.set(file, { key, stamp, utcOffset, issue: parsed.value, warnings: parsed.warnings });
  }
  cache?.retain(new Set(files));
  problems.push(...findDuplicates(issues));
  if (newsletter && !options.skipImages) problems.push(...(await checkImages(root, issues, newsletter.images, options.imageCache)));

  if (problems.length > 0 || !newsletter) throw new ContentError(problems, warnings);
  issues.sort((a, b) => b.number - a.number);
  return { newsletter, issues, fingerprints, warnings };
}

function stampOf(file: string): FileStamp | undefined {
  const info = statSync(file, { throwIfNoEntry: false });
  return info && { size: info.size, mtimeMs: info.mtimeMs, ino: info.ino };
}

async function listIssueFiles(root: string, problems: Problem[]): Promise<string[]> {
  try {
    const names = await readdir(path.join(root, ISSUES_DIR));
    return names.filter((n) => n.endsWith(".md")).sort().map((n) => `${ISSUES_DIR}/${n}`);
  } catch (cause) {
    problems.push({ file: ISSUES_DIR, path: "", expected: `expected a folder of issue files (*.md): ${(cause as Error).message}` });
    return [];
  }
}

/**
 * The file's text, or undefined with a problem. `knownSize` is its size
 * when the caller has just asked the file system (it is not asked again).
 * Read synchronously: a build reads its issues one after another, and 1,000
 * of them take a third of the time that way that a promise for each of
 * open, stat, read and close takes.
 */
function readText(root: string, file: string, problems: Problem[], knownSize?: number): string | undefined {
  try {
    const size = knownSize ?? statSync(path.join(root, file)).size;
    if (size > MAX_CONTENT_FILE_BYTES) {
      const shown = `${(size / 1024 / 1024).toFixed(1)} MB`;
      problems.push({ file, path: "", expected: `expected a content file of at most 1 MB (an issue's email must stay under Gmail's 102 KB clipping point); this one is ${shown}` });
      return undefined;
    }
    return readFileSync(path.join(root, file), "utf8");
  } catch (cause) {
    problems.push({ file, path: "", expected: `expected a readable file: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}` });
    return undefined;
  }
}

function findDuplicates(issues: Issue[]): Problem[] {
  const problems: Problem[] = [];
  for (const key of ["number", "slug"] as const) {
    const seen = new Map<string, Issue>();
    for (const issue of issues) {
      const value = String(issue[key]);
      const first = seen.get(value);
      if (first && !(key === "slug" && first.number === issue.number)) {
        problems.push({ file: issue.file, path: key, line: issue.lines[key], expected: `expected a ${key} no other issue has; ${first.file} has it too`, received: key === "slug" ? JSON.stringify(value) : value });
      } else if (!first) {
        seen.set(value, issue);
      }
    }
  }
  return problems;
}
