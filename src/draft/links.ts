// What a link is and when two links are the same item. Pure.

export type LinkKind = "paper" | "code" | "hub" | "other";

export interface ArxivId {
  /** The paper, whatever its version: "2201.05125" or "hep-th/9901001". */
  id: string;
  /** "v3", when the link names one. */
  version?: string;
}

const NEW_ID = /^(\d{4}\.\d{4,5})(v\d+)?$/;
// Old-style ids: archive, optional subject class (math.GT/0309136), seven digits.
const OLD_ID = /^([a-z][a-z-]*)(?:\.[a-z-]{2,})?\/(\d{7})(v\d+)?$/i;

/**
 * The arXiv paper a URL or id names: arxiv.org/abs/…, /pdf/….pdf, /html/…,
 * export.arxiv.org, huggingface.co/papers/…, "arXiv:…" and "oai:arXiv.org:…".
 */
export function parseArxivId(value: string): ArxivId | undefined {
  const text = value.trim();
  const prefixed = /^(?:oai:arxiv\.org:|arxiv:)(.+)$/i.exec(text);
  if (prefixed) return parseBareId(prefixed[1]!);
  const url = parseUrl(text);
  if (!url) return undefined;
  const host = url.hostname;
  if (host === "arxiv.org" || host.endsWith(".arxiv.org")) {
    const m = /^\/(?:abs|pdf|html|format|ps)\/(.+?)(?:\.pdf)?\/?$/.exec(decodeURIComponent(url.pathname));
    return m ? parseBareId(m[1]!) : undefined;
  }
  if (host === "huggingface.co" || host === "www.huggingface.co") {
    const m = /^\/papers\/([^/]+)\/?$/.exec(url.pathname);
    return m ? parseBareId(m[1]!) : undefined;
  }
  return undefined;
}

function parseBareId(text: string): ArxivId | undefined {
  const fresh = NEW_ID.exec(text);
  if (fresh) return { id: fresh[1]!, ...(fresh[2] ? { version: fresh[2] } : {}) };
  const old = OLD_ID.exec(text);
  if (old) return { id: `${old[1]!.toLowerCase()}/${old[2]}`, ...(old[3] ? { version: old[3] } : {}) };
  return undefined;
}

/**
 * A URL as a comparison key: scheme dropped (http and https are the same
 * page), host lower-case, default port, fragment, utm_* parameters and
 * trailing slashes gone; GitHub paths compared without case.
 */
export function normalizeUrl(value: string): string | undefined {
  const url = parseUrl(value.trim());
  if (!url) return undefined;
  const query = withoutTrackingParams(url.search);
  const path = url.pathname.replace(/\/+$/, "");
  const host = url.host.replace(/^www\.github\.com$/, "github.com");
  return `${host}${host === "github.com" ? path.toLowerCase() : path}${query ? `?${query}` : ""}`;
}

/** Every URL of an item's links, in the order issues list them. */
export function linkUrls(links: { code?: string; paper?: string; hub?: string; other?: { url: string }[] } | undefined): string[] {
  if (!links) return [];
  return [links.code, links.paper, links.hub, ...(links.other ?? []).map((o) => o.url)].filter((u): u is string => u !== undefined);
}

/** Everything that identifies the item a set of links and ids stands for. */
export function itemKeys(urls: readonly string[], ids: readonly string[] = []): string[] {
  const keys = new Set<string>();
  for (const value of [...urls, ...ids]) {
    const arxiv = parseArxivId(value);
    if (arxiv) keys.add(`arxiv:${arxiv.id}`);
  }
  for (const value of urls) {
    const url = normalizeUrl(value);
    if (url) keys.add(`url:${url}`);
  }
  return [...keys];
}

/** What kind of link a URL is, by host; arXiv links become https://arxiv.org/abs/<id>. */
export function typeLink(value: string): { kind: LinkKind; url: string } {
  const url = parseUrl(value.trim());
  const arxiv = parseArxivId(value);
  if (arxiv && url && (url.hostname === "arxiv.org" || url.hostname.endsWith(".arxiv.org"))) {
    return { kind: "paper", url: `https://arxiv.org/abs/${arxiv.id}${arxiv.version ?? ""}` };
  }
  if (!url) return { kind: "other", url: value };
  url.search = withoutTrackingParams(url.search);
  const host = url.hostname.replace(/^www\./, "");
  if (host === "github.com") return { kind: "code", url: url.href };
  if (host === "hub.baai.ac.cn") return { kind: "hub", url: url.href };
  return { kind: "other", url: url.href };
}

/** A query string without utm_* parameters (and without its "?"); the rest as written. */
function withoutTrackingParams(search: string): string {
  return search
    .slice(1)
    .split("&")
    .filter((pair) => pair !== "" && !/^utm_/i.test(pair))
    .join("&");
}

function parseUrl(value: string): URL | undefined {
  if (!/^https?:\/\//i.test(value)) return undefined;
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
