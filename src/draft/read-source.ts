import { readFile, stat } from "node:fs/promises";
import { SourceError } from "../errors.ts";

// Reads one feed's bytes: over HTTP with Node's fetch, following redirects
// by hand (so that a loop is named as one), under one deadline for the whole
// exchange and a size cap enforced while the body streams in; or from a file.

export interface ReadLimits {
  /** For the whole source: connecting, redirects and body. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export const DEFAULT_LIMITS: ReadLimits = { timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 };

export interface FeedText {
  text: string;
  /** Where the text came from in the end (after redirects); the path for files. */
  url: string;
  /** The media type the server gave, without parameters; "" for files. */
  mediaType: string;
}

const HEADERS = {
  accept: "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5",
  "user-agent": "gazette-draft/0.1 (a newsletter editor's feed reader)",
};

/** An http(s) URL, or else a path to a local file. */
export async function readSource(location: string, limits: ReadLimits = DEFAULT_LIMITS): Promise<FeedText> {
  return /^https?:\/\//i.test(location) ? fetchFeed(location, limits) : readFeedFile(location, limits);
}

async function fetchFeed(start: string, limits: ReadLimits): Promise<FeedText> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
  try {
    let url = start;
    for (let redirects = 0; ; redirects++) {
      const res = await fetch(url, { redirect: "manual", signal: controller.signal, headers: HEADERS });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = nextUrl(url, location);
        if (redirects === limits.maxRedirects) throw new SourceError("redirects", `too many redirects (more than ${limits.maxRedirects}); the last one was to ${next}`);
        url = next;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new SourceError("http", `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${url === start ? "" : ` from ${url}`}`);
      }
      const contentType = res.headers.get("content-type") ?? "";
      const declared = Number(res.headers.get("content-length") ?? NaN);
      if (declared > limits.maxBytes) {
        await res.body?.cancel();
        throw tooLarge(limits, declared);
      }
      const bytes = await readCapped(res.body, limits, controller);
      return { text: decode(bytes, contentType), url, mediaType: contentType.split(";")[0]!.trim().toLowerCase() };
    }
  } catch (err) {
    if (err instanceof SourceError) throw err;
    if (controller.signal.aborted) throw new SourceError("timeout", `timed out: no complete answer within ${seconds(limits.timeoutMs)}`, { cause: err });
    throw new SourceError("unreachable", `unreachable: ${networkReason(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

async function readCapped(body: ReadableStream<Uint8Array> | null, limits: ReadLimits, controller: AbortController): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!body) return new Uint8Array();
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limits.maxBytes) {
      controller.abort();
      throw tooLarge(limits);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function readFeedFile(file: string, limits: ReadLimits): Promise<FeedText> {
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new SourceError("unreadable", "cannot read: it is a folder, not a feed file");
    if (info.size > limits.maxBytes) throw tooLarge(limits, info.size);
    return { text: decode(await readFile(file), ""), url: file, mediaType: "" };
  } catch (err) {
    if (err instanceof SourceError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceError("unreadable", `cannot read: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}`, { cause: err });
  }
}

function nextUrl(from: string, location: string): string {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new SourceError("http", `redirected to ${JSON.stringify(location)}, which is not a URL`);
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") throw new SourceError("http", `redirected to ${next.href}, which is not an http(s) URL`);
  return next.href;
}

/** Text in the charset the server names, else the byte-order mark, else the XML declaration, else UTF-8. */
function decode(bytes: Uint8Array, contentType: string): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString("latin1");
  const bom = head.startsWith("\xFE\xFF") ? "utf-16be" : head.startsWith("\xFF\xFE") ? "utf-16le" : head.startsWith("\xEF\xBB\xBF") ? "utf-8" : undefined;
  const label = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] ?? bom ?? /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)/.exec(head)?.[1] ?? "utf-8";
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

function tooLarge(limits: ReadLimits, size?: number): SourceError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new SourceError("too-large", `too large: ${size === undefined ? "more than" : mb(size) + ", over"} the ${mb(limits.maxBytes)} limit`);
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "no such host",
    EAI_AGAIN: "the host name could not be looked up",
    ECONNRESET: "the connection was reset",
    EHOSTUNREACH: "no route to the host",
    ENETUNREACH: "the network is unreachable",
    UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
    UND_ERR_SOCKET: "the connection closed early",
  };
  return (code && known[code]) ?? cause?.message ?? (err as Error).message;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
