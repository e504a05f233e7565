import type { Newsletter } from "../../model/newsletter.ts";
import type { IssueView } from "../view.ts";

/** What the three feed renderers share: the newsletter, its newest published issues, and their HTML. */
export interface FeedInput {
  newsletter: Newsletter;
  /** Published issues, newest first, already cut to the feed limit. */
  entries: FeedEntry[];
}

export interface FeedEntry {
  view: IssueView;
  /** The whole issue as HTML with absolute links. */
  contentHtml: string;
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
  const times = input.entries.map((e) => Date.parse(e.view.updatedIso));
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
 * per format. Held by the entry, which the build holds only while it builds.
 */
const fragments = new WeakMap<FeedEntry, Map<string, unknown>>();

export function entryFragment<T>(entry: FeedEntry, slot: string, make: () => T): T {
  let made = fragments.get(entry);
  if (!made) fragments.set(entry, (made = new Map()));
  if (!made.has(slot)) made.set(slot, make());
  return made.get(slot) as T;
}
