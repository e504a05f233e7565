import type { Newsletter } from "../model/newsletter.ts";

// Which published feeds a build changed, as the URLs hubs are told of. Pure.

const FEED_FILE = /^(?:tags\/[^/]+\/)?(?:rss\.xml|atom\.xml|feed\.json)$/;

/** The public URL of every feed among `written` (paths below dist/), main feeds first, then by path. */
export function changedFeedUrls(newsletter: Newsletter, written: string[]): string[] {
  return written
    .filter((file) => FEED_FILE.test(file))
    .sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((file) => new URL(file.split("/").map(encodeURIComponent).join("/"), newsletter.base_url).href);
}

function depth(file: string): number {
  return file.split("/").length;
}
