import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { kb, type ConfirmMeta, type EmailMeta } from "../build/emails.ts";
import { packagePath } from "../paths.ts";
import { fillPlaceholders, type PlaceholderValues } from "../render/email/placeholders.ts";
import type { WebTemplates } from "../render/web/templates.ts";

const RELOAD_JS = packagePath("src/server/reload.js");

/** The reader the preview pretends to send to. */
export const SAMPLE_EMAIL = "reader@example.org";

/**
 * /_preview/emails/<n>/ shows an issue's email as a subscriber gets it:
 * subject, preheader, the HTML part at 375 and 640 px, the text part; every
 * placeholder filled for a sample subscriber. Files are read from dist/ on
 * each request (or from `early`, while a rebuild that made them goes on),
 * and the page reloads itself when a rebuild changes them.
 */
export async function registerPreview(app: FastifyInstance, distDir: string, templates: WebTemplates, early = new EarlyEmails()): Promise<void> {
  const reloadJs = await readFile(RELOAD_JS, "utf8");
  const emails = new EmailFiles(path.join(distDir, "emails"), early);
  const sample = (origin: string): PlaceholderValues => ({
    email: SAMPLE_EMAIL,
    unsubscribeUrl: `${origin}/_preview/unsubscribe`,
    confirmUrl: `${origin}/_preview/confirm`,
    linkBase: `${origin}/`,
  });
  const originOf = (host: string | undefined) => `http://${host ?? "127.0.0.1"}`;

  // A held version request must not keep the server from closing.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  app.get("/_preview/reload.js", (_req, reply) => reply.type("text/javascript; charset=utf-8").send(reloadJs));

  app.get("/_preview/emails/", async (_req, reply) => {
    const names = await readdir(emails.dir).catch(() => [] as string[]);
    const metas = await Promise.all(names.filter((n) => n.endsWith(".json")).map((n) => emails.meta(n.replace(/\.json$/, ""))));
    const issues = metas.filter((m): m is EmailMeta => m !== undefined && !("kind" in m)).sort((a, b) => b.number - a.number);
    const confirm = metas.find((m) => m && "kind" in m);
    return html(reply, templates.previewIndex({ emails: issues, confirm }));
  });

  app.get<{ Params: { n: string } }>("/_preview/emails/:n/", async (req, reply) => {
    const meta = await emails.meta(req.params.n);
    if (!meta) return reply.code(404).type("text/plain; charset=utf-8").send(`No built email #${req.params.n}: run gazette build.`);
    const text = fillPlaceholders(await emails.part(req.params.n, meta.text), sample(originOf(req.headers.host)), "text");
    const base = `/_preview/emails/${req.params.n}/`;
    return html(
      reply,
      templates.preview({
        meta,
        text,
        language: "en",
        sample: { email: SAMPLE_EMAIL },
        htmlUrl: `${base}html`,
        blockedUrl: `${base}html-without-images`,
        textUrl: `${base}text`,
        versionUrl: `${base}version`,
        version: await emails.version(req.params.n),
        htmlKb: kb(meta.bytes.html),
        textKb: kb(meta.bytes.text),
      }),
    );
  });

  // The HTML part, and the same as an inbox shows it with images blocked (the alt text in their place).
  const htmlPart = (blocked: boolean) => async (req: FastifyRequest<{ Params: { n: string } }>, reply: FastifyReply) => {
    const meta = await emails.meta(req.params.n);
    if (!meta) return reply.code(404).send();
    const origin = originOf(req.headers.host);
    let body = fillPlaceholders(await emails.part(req.params.n, meta.html), sample(origin), "html");
    // The email's own pictures are not published yet: show them from dist/ here.
    if ("images" in meta && meta.images) body = body.split(meta.images).join(`${origin}/images/`);
    const images = blocked ? "'none'" : "https: http: data:";
    // A mail client runs no script; neither does the preview.
    reply.header("Content-Security-Policy", `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; frame-ancestors 'self'`);
    // The preview page frames this part: the one answer another page of this server may frame.
    reply.header("X-Frame-Options", "SAMEORIGIN");
    return html(reply, body);
  };
  app.get("/_preview/emails/:n/html", htmlPart(false));
  app.get("/_preview/emails/:n/html-without-images", htmlPart(true));

  app.get<{ Params: { n: string } }>("/_preview/emails/:n/text", async (req, reply) => {
    const meta = await emails.meta(req.params.n);
    if (!meta) return reply.code(404).send();
    const body = fillPlaceholders(await emails.part(req.params.n, meta.text), sample(originOf(req.headers.host)), "text");
    return reply.type("text/plain; charset=utf-8").header("Cache-Control", "no-store").send(body);
  });

  app.get<{ Params: { n: string }; Querystring: { known?: string } }>("/_preview/emails/:n/version", async (req, reply) => {
    const n = req.params.n;
    if (!EMAIL_NAME.test(n)) return reply.code(404).header("Cache-Control", "no-store").send();
    // Long poll: with ?known=V, answer as soon as the version differs, or after 20 s. An early
    // copy wakes the wait at once; dist/ (a build in another terminal) is looked at every 25 ms.
    const known = req.query.known;
    if (known !== undefined) early.shown(n, known);
    let version = await emails.version(n);
    const unwatch = known !== undefined && (version === known || version === undefined) ? early.watch(n, known) : undefined;
    try {
      for (const until = Date.now() + LONG_POLL_MS; unwatch && (version === known || version === undefined) && Date.now() < until; ) {
        await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), early.changed()]);
        if (closing || req.raw.destroyed) break;
        version = await emails.version(n);
      }
    } finally {
      unwatch?.();
    }
    // Mid-swap (or before a build) the files are missing: say nothing, so the page waits instead of reloading into a 404.
    if (!version) return reply.code(404).header("Cache-Control", "no-store").send();
    return reply.header("Cache-Control", "no-store").send({ version });
  });

  app.get("/_preview/unsubscribe", (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send("In a sent email this link is the reader's own signed unsubscribe page."),
  );
  app.get("/_preview/confirm", (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send("In a sent confirmation mail this link is the reader's own signed, expiring confirmation page."),
  );
}

/** How long a version request with ?known= waits for a change before answering anyway. */
const LONG_POLL_MS = 20_000;

/** The built emails' names: an issue's number, or "confirm"; nothing else is ever read from dist/emails/. */
const EMAIL_NAME = /^(\d+|confirm)$/;

/**
 * Emails a rebuild has made but not yet published: gazette preview shows
 * them at once, while the rest of the rebuild goes on, and forgets them when
 * it ends (dist/ then holds the same bytes, or, if the rebuild failed, the
 * last good build's). It also knows which pages are watching an email (their
 * long polls), so the rebuild can wait until they show the new copy: on two
 * cores, the browser reloading the page and the rest of the rebuild would
 * otherwise slow each other down.
 */
export class EarlyEmails {
  private readonly emails = new Map<string, Map<string, string>>();
  private readonly versions = new WeakMap<Map<string, string>, string>();
  /** Held long polls by email: the version each page shows. */
  private readonly watching = new Map<string, string[]>();
  /** Takes waiting for pages to show an email's new version: how many pages are still to. */
  private readonly awaited = new Set<Awaited>();
  private change: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * Takes the emails among a build's files (emails/<n>.json, .html, .txt),
   * path → text; an email missing a part is left out. Resolves once every
   * page that was watching one of them has come back showing the new copy
   * (its next long poll names the new version), at once if none was, and
   * after `withinMs` at the latest (a page closed meanwhile never comes back).
   */
  take(files: Map<string, string>, withinMs = SHOWN_WITHIN_MS): Promise<void> {
    const parts = new Map<string, Map<string, string>>();
    for (const [file, body] of files) {
      const name = /^emails\/([^/]+)\.(json|html|txt)$/.exec(file);
      if (!name || !EMAIL_NAME.test(name[1]!)) continue;
      if (!parts.has(name[1]!)) parts.set(name[1]!, new Map());
      parts.get(name[1]!)!.set(`${name[1]}.${name[2]}`, body);
    }
    const waits: Awaited[] = [];
    const shown: Promise<void>[] = [];
    for (const [n, files] of parts) {
      if (files.size !== 3) continue;
      this.emails.set(n, files);
      const version = this.version(n)!;
      // The pages showing another version reload into this one.
      const pages = (this.watching.get(n) ?? []).filter((shows) => shows !== version).length;
      if (pages === 0) continue;
      shown.push(new Promise((done) => waits.push({ n, version, pages, done })));
    }
    for (const wait of waits) this.awaited.add(wait);
    this.wake();
    if (waits.length === 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs)));
    return Promise.race([Promise.all(shown).then(() => undefined), late]).finally(() => {
      clearTimeout(timer);
      for (const wait of waits) this.awaited.delete(wait);
    });
  }

  /** The early copy of one of an email's files. */
  get(n: string, name: string): string | undefined {
    return this.emails.get(n)?.get(name);
  }

  /** The early copy's version (see EmailFiles.version), or undefined without one. */
  version(n: string): string | undefined {
    const files = this.emails.get(n);
    if (!files) return undefined;
    let version = this.versions.get(files);
    if (version === undefined) this.versions.set(files, (version = versionOf(["json", "html", "txt"].map((ext) => files.get(`${n}.${ext}`)!))));
    return version;
  }

  clear(): void {
    this.emails.clear();
    this.wake();
  }

  /** A page showing `version` of email n holds a long poll; returns what ends it. */
  watch(n: string, version: string): () => void {
    const pages = this.watching.get(n) ?? [];
    this.watching.set(n, [...pages, version]);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = [...this.watching.get(n)!];
      left.splice(left.indexOf(version), 1);
      if (left.length > 0) this.watching.set(n, left);
      else this.watching.delete(n);
    };
  }

  /** How many pages are waiting on email n (held long polls). */
  pagesWatching(n: string): number {
    return this.watching.get(n)?.length ?? 0;
  }

  /** A page showing `version` of email n asked whether it changed: it has loaded that version. */
  shown(n: string, version: string): void {
    for (const wait of this.awaited) {
      if (wait.n !== n || wait.version !== version || --wait.pages > 0) continue;
      this.awaited.delete(wait);
      wait.done();
    }
  }

  /** Resolves at the next take or clear: a held long poll then looks again at once. */
  changed(): Promise<void> {
    if (!this.change) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.change = { promise, resolve };
    }
    return this.change.promise;
  }

  private wake(): void {
    this.change?.resolve();
    this.change = undefined;
  }
}

/** A take waiting for the pages that watched an email to show its new version. */
interface Awaited {
  n: string;
  version: string;
  /** Pages still to come back. */
  pages: number;
  done: () => void;
}

/** How long a rebuild waits, at most, for the pages watching an email to show its new copy. */
const SHOWN_WITHIN_MS = 1500;

/** An email's files: the early copy while there is one, else dist/emails/. */
class EmailFiles {
  constructor(
    readonly dir: string,
    private readonly early: EarlyEmails,
  ) {}

  /** An issue's email (by number) or the confirmation mail ("confirm"). */
  async meta(n: string): Promise<EmailMeta | ConfirmMeta | undefined> {
    if (!EMAIL_NAME.test(n)) return undefined;
    try {
      return JSON.parse(await this.part(n, `${n}.json`)) as EmailMeta | ConfirmMeta;
    } catch {
      return undefined;
    }
  }

  /** One of the email's files, by its name in dist/emails/ (n.json, or the meta's html and text). */
  async part(n: string, name: string): Promise<string> {
    const early = this.early.get(n, name);
    if (early !== undefined) return early;
    if (path.basename(name) !== name) throw new Error(`not an email's file: ${name}`);
    return readFile(path.join(this.dir, name), "utf8");
  }

  /**
   * Changes whenever the email's bytes do, wherever they come from;
   * undefined while a part is missing (mid-swap). The files in dist/ are
   * read and hashed again only when a stat says they changed: a page's long
   * poll asks every 25 ms.
   */
  async version(n: string): Promise<string | undefined> {
    const early = this.early.version(n);
    if (early !== undefined) return early;
    const names = ["json", "html", "txt"].map((ext) => path.join(this.dir, `${n}.${ext}`));
    const stats = await Promise.all(names.map((name) => stat(name).catch(() => undefined)));
    if (stats.includes(undefined)) return undefined;
    const stamp = stats.map((s) => `${s!.ino}:${s!.size}:${s!.mtimeMs}`).join(" ");
    const known = this.known.get(n);
    if (known?.stamp === stamp) return known.version;
    const parts = await Promise.all(names.map((name) => readFile(name, "utf8").catch(() => undefined)));
    if (parts.includes(undefined)) return undefined;
    const version = versionOf(parts as string[]);
    this.known.set(n, { stamp, version });
    return version;
  }

  private readonly known = new Map<string, { stamp: string; version: string }>();
}

/** A hash of an email's files, json, html and txt. */
function versionOf(parts: string[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(`${part.length}:`).update(part);
  return hash.digest("hex").slice(0, 24);
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(body);
}
