import type { Newsletter } from "../../model/newsletter.ts";
import type { IssueView } from "../view.ts";

/** What the three feed renderers share: the newsletter, its newest published issues, and their HTML. */
export interface FeedInput {
  newsletter: Newsletter;
  /** Published issues, newest first, already cut to the feed limit. */
  entries: FeedEntry[];
}

/**
 * A published issue as the feeds carry it. The view and the content are
 * made on first use: an entry whose fragments a build kept (see `kept`)
 * never renders its Markdown again.
 */
export interface FeedEntry {
  /** The issue's update time, RFC 3339 (the feed's own time is the newest). */
  updatedIso: string;
  view(): IssueView;
  /** The whole issue as HTML with absolute links. */
  contentHtml(): string;
  /** Fragments made by an earlier build from the same inputs, and where this build's are kept. */
  kept?: KeptFragments;
}

/**
 * A store of an entry's fragments by slot (see entryFragment), kept by the
 * build from one run to the next under the entry's fingerprint. `set`
 * takes a fragment made now, and may check it (feeds are checked as
 * fragments plus the document around them); `keep` one made earlier in
 * this process, already checked.
 */
export interface KeptFragments {
  get(slot: string): string | undefined;
  set(slot: string, text: string): void;
  keep(slot: string, text: string): void;
}

/** Which format a slot's fragment is written in: what comes before its first NUL. */
export function slotFormat(slot: string): string {
  return slot.split("\0", 1)[0]!;
}

export const FEED_FILES = { rss: "rss.xml", atom: "atom.xml", json: "feed.json" } as const;

export function feedUrl(newsletter: Newsletter, kind: keyof typeof FEED_FILES): string {
  return new URL(FEED_FILES[kind], newsletter.base_url).href;
}

/** The WebSub hubs the feed names (rel="hub"), if any. */
export function hubsOf(newsletter: Newsletter): string[] {
  return newsletter.websub?.hubs ?? [];
}

/** The feed's own update time: the newest entry's, never the clock (a fixed instant for an empty feed). */
export function feedUpdated(input: FeedInput): Date {
  const times = input.entries.map((e) => Date.parse(e.updatedIso));
  return times.length === 0 ? EMPTY_FEED_DATE : new Date(Math.max(...times));
}

/** A feed-level date for a feed with no entries: a fixed instant, so builds stay identical. */
export const EMPTY_FEED_DATE = new Date(0);

/** Entry title as a reader's list shows it: "第36期：标题" / "Issue 36: Title". */
export function entryTitle(view: IssueView): string {
  return view.numberedTitle;
}


/** The picture a feed entry carries (the issue's image, else its first figure), if any: never SVG, which readers do not show. */
export function entryImage(view: IssueView): { url: string; type?: string; width?: number; height?: number; bytes?: number; alt: string } | undefined {
  const image = view.image;
  if (!image) return undefined;
  if (image.largest) return image.largest.type === "image/svg+xml" ? undefined : { ...image.largest, alt: image.alt };
  return { url: image.src, alt: image.alt };
}

/**
 * What `make` gives for this entry in this place (`slot`: the format and
 * whatever else of the channel it shows), made once per entry: the main
 * feeds and every topic's carry the same issues, so each is written once
 * per format. Held by the entry, which the build holds only while it
 * builds; and handed to the entry's kept fragments, which a later build
 * takes it from instead of making it again.
 */
const fragments = new WeakMap<FeedEntry, Map<string, string>>();

export function entryFragment(entry: FeedEntry, slot: string, make: () => string): string {
  let made = fragments.get(entry);
  if (!made) fragments.set(entry, (made = new Map()));
  let text = made.get(slot);
  if (text !== undefined) {
    entry.kept?.keep(slot, text);
    return text;
  }
  text = entry.kept?.get(slot);
  if (text === undefined) {
    text = make();
    entry.kept?.set(slot, text);
  }
  made.set(slot, text);
  return text;
}

/** Whether the entry carries a picture (entryImage), kept with its fragments: finding out means rendering the issue. */
export function entryHasImage(entry: FeedEntry): boolean {
  return entryFragment(entry, "image", () => (entryImage(entry.view()) ? "yes" : "no")) === "yes";
}
