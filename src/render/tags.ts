import { createHash } from "node:crypto";
import type { Issue } from "../model/issue.ts";
import type { PlannedIssue } from "./site.ts";
import type { IssueSummary, ItemHeading } from "./view.ts";

// Tags as topics: each gets a URL segment (its slug), a page and feeds.
// A slug depends on its tag's text alone, so adding a tag never moves
// another one's URL, and no text (`C++ & <CUDA>`, 多模态, `]]>`) can put
// anything but letters, digits and hyphens into a path.

export interface TagItem {
  issue: IssueSummary;
  item: ItemHeading;
}

export interface Topic {
  tag: string;
  slug: string;
  /** Path below the site root, for links: tags/<slug>/, percent-encoded. */
  path: string;
  /** The folder in dist/: tags/<slug>/ as written (多模态 stays 多模态). */
  dir: string;
  /** Every item with the tag (or in an issue with it), newest issue first, in issue order. */
  items: TagItem[];
  /** The published issues that carry the tag, newest first. */
  issues: PlannedIssue[];
}

/**
 * The slug of each tag. A tag already written as a slug (lower-case letters
 * and digits of any script, joined by single hyphens) is its own slug;
 * any other text gets the letters and digits it has plus a hash of the
 * whole text (`C++ & <CUDA>` → `c-cuda-…`), so two tags never share one.
 * Should two hashes ever meet, those tags take longer hashes. Pure.
 */
export function tagSlugs(tags: Iterable<string>, hashLength = 8): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  let pending: string[] = [];
  for (const tag of new Set(tags)) {
    const bare = baseOf(tag);
    if (bare !== "" && bare === tag) {
      out.set(tag, bare);
      taken.add(bare);
    } else pending.push(tag);
  }
  // Tags written as slugs are distinct texts, hence distinct slugs; the hashed
  // ones take longer hashes until none meets another or a bare one.
  for (let length = hashLength; pending.length > 0; length *= 2) {
    const bySlug = new Map<string, string[]>();
    for (const tag of pending) bySlug.set(hashedSlug(tag, length), [...(bySlug.get(hashedSlug(tag, length)) ?? []), tag]);
    pending = [];
    for (const [slug, same] of bySlug) {
      if (same.length === 1 && !taken.has(slug)) {
        out.set(same[0]!, slug);
        taken.add(slug);
      } else pending.push(...same);
    }
    if (length >= 64 && pending.length > 0) throw new Error(`tags ${pending.join(", ")} have the same slug`);
  }
  return out;
}

function baseOf(tag: string): string {
  const words = tag.normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.join("-").slice(0, 60).replace(/-+$/, "");
}

function hashedSlug(tag: string, hashLength: number): string {
  const base = baseOf(tag);
  const hash = createHash("sha256").update(tag).digest("hex").slice(0, hashLength);
  return base === "" ? `tag-${hash}` : `${base}-${hash}`;
}

/**
 * The issue's own tags, then its items', repeats kept. Made once per issue
 * object (issues are not changed once parsed, and a process that builds
 * again gets the same objects for unchanged files): every build asks for
 * every issue's tags two or three times, 15 ms for 1,000 issues.
 */
export function issueTags(issue: Issue): readonly string[] {
  let tags = tagMemo.get(issue);
  if (tags) return tags;
  const all = [...issue.tags];
  for (const section of issue.sections) for (const item of section.items) for (const tag of item.tags) all.push(tag);
  tags = Object.freeze(all);
  tagMemo.set(issue, tags);
  return tags;
}

const tagMemo = new WeakMap<Issue, readonly string[]>();

/**
 * Tells issueTags() an issue's tags as it gave them for this issue before
 * (kept by the build's content cache): they are then known without
 * reading the issue's items.
 */
export function knownIssueTags(issue: Issue, tags: readonly string[]): void {
  if (!tagMemo.has(issue)) tagMemo.set(issue, Object.freeze([...tags]));
}

/** Every tag of the published issues, with what carries it; sorted by tag text. Pure. */
export function collectTopics(planned: PlannedIssue[]): Topic[] {
  const published = planned.filter((p) => !p.summary.draft);
  const byTag = new Map<string, { items: TagItem[]; issues: PlannedIssue[] }>();
  const entry = (tag: string) => byTag.get(tag) ?? byTag.set(tag, { items: [], issues: [] }).get(tag)!;
  for (const p of published) {
    for (const tag of new Set(issueTags(p.issue))) entry(tag).issues.push(p);
    for (const item of p.headings()) {
      for (const tag of new Set([...p.issue.tags, ...item.tags])) {
        entry(tag).items.push({ issue: p.summary, item });
      }
    }
  }
  const tags = [...byTag.keys()].sort(compareText);
  const slugs = tagSlugs(tags);
  return tags.map((tag) => {
    const slug = slugs.get(tag)!;
    return { tag, slug, path: `tags/${encodeURIComponent(slug)}/`, dir: `tags/${slug}/`, ...byTag.get(tag)! };
  });
}

/** Code-point order: the same on every machine, whatever its locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
