import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Problem } from "../errors.ts";
import { OutputError } from "../errors.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { createEmailContext, emailHeadline } from "../render/email/context.ts";
import { renderEmailMjml } from "../render/email/mjml.ts";
import { parseEmailShape } from "../render/email/shape.ts";
import { createConfirmEmailContext, renderConfirmText } from "../render/email/confirm.ts";
import { CONFIRM_PLACEHOLDERS, ISSUE_PLACEHOLDERS, PLACEHOLDERS, newMarkerWord, placeholderMarkers, sealPlaceholders, type PlaceholderName } from "../render/email/placeholders.ts";
import type { EmailTemplates } from "../render/email/templates.ts";
import { redirectEmailLinks } from "../render/email/click-links.ts";
import { renderEmailText } from "../render/email/text.ts";
import type { PlannedIssue } from "../render/site.ts";
import type { SiteView } from "../render/web/archive.ts";
import type { MjmlPool } from "./compile-emails.ts";
import type { EmailHtmlCompiler, EmailRoute } from "./email-html.ts";
import type { HeapGrowth } from "./heap-growth.ts";
import { newsletterKey, OutputCache } from "./output-cache.ts";
import type { DistFile } from "./write-dist.ts";

/** Gmail clips a message's HTML past about 102 KB; warn well before. */
export const EMAIL_WARN_BYTES = 90 * 1024;
export const EMAIL_MAX_BYTES = 102 * 1024;

export interface EmailReport {
  number: number;
  /** Source file of the issue. */
  file: string;
  htmlBytes: number;
  textBytes: number;
  /** False when the compiled HTML came from the cache. */
  compiled: boolean;
  /** How fresh HTML was made: a compiled shape filled, or the document compiled as it is. */
  route?: EmailRoute;
}

/** Emails to render from which a build counts as rendering in bulk (see heap-growth.ts). */
const BULK = 100;

/** Emails rendered to MJML at a time: while mjml compiles one batch, the next is rendered. */
const BATCH = 25;

/** What a built email's .json says: dist/emails/<number>.json, dist/emails/confirm.json. */
interface BuiltEmailMeta {
  subject: string;
  preheader: string;
  /** File names of the HTML and text parts, beside the .json. */
  html: string;
  text: string;
  /** Placeholder name → token, to fill per subscriber. */
  placeholders: Partial<Record<PlaceholderName, string>>;
  bytes: { html: number; text: number };
}

/** What the sender reads beside each issue's email. */
export interface EmailMeta extends BuiltEmailMeta {
  number: number;
  url: string;
  draft: boolean;
  /** Where the email's own pictures are published (base_url + images/): the preview shows them from this server instead. */
  images: string;
  /** With analytics.clicks: the link table, links[n - 1] being where /r/<number>/<n> redirects. */
  links?: string[];
}

/**
 * Renders every issue's email: Handlebars fills one MJML document per
 * issue, which becomes HTML through its shape (compiled by mjml once per
 * distinct shape, see email-html.ts) or, failing that, by compiling it; the
 * text part is written from the model; unless the cache already holds that
 * issue's email. Fails past Gmail's clipping size. With `first`, these are emails made
 * ahead of the others (build.ts's emailsFirst); `made` are those made
 * ahead: the stored shapes are pruned only after a build that made every
 * email fresh. `alongside` is called with each issue whose email is
 * rendered, while its view is held (build.ts renders its page then).
 */
export async function buildEmails(
  newsletter: Newsletter,
  site: SiteView,
  planned: PlannedIssue[],
  templates: EmailTemplates,
  cache: OutputCache,
  codeVersion: string,
  compiler: EmailHtmlCompiler,
  heap?: HeapGrowth,
  ahead: { first: true } | { made: EmailReport[] } = { made: [] },
  alongside?: (p: PlannedIssue) => void,
): Promise<{ files: Map<string, DistFile>; reports: EmailReport[]; warnings: Problem[]; keys: Set<string> }> {
  const template = `${templates.dir}/issue.mjml.hbs`;
  // What every email shares, hashed once: a key per issue then hashes 130 bytes, not the templates again.
  const shared = OutputCache.keyOf([codeVersion, templates.fingerprint, newsletterKey(newsletter), "issue email"]);
  const keys = planned.map((p) => OutputCache.keyOf([shared, p.fingerprint]));
  // With click counting, each email's link table is cached beside it; the
  // .json that dist/ holds beside each email is cached too, written last.
  const clicks = newsletter.analytics.clicks;
  const exts = clicks ? ["html", "txt", "links", "json"] : ["html", "txt", "json"];
  const sizes = keys.map((key) => (cache.has(key, exts) ? cache.sizes(key, ["html", "txt"]) : undefined));

  const missing = planned.map((_, i) => i).filter((i) => sizes[i] === undefined);
  // Emails to render in bulk mean pages and shards to render too: the build's heap grows by less (heap-growth.ts).
  if (missing.length >= BULK) heap?.cap();
  // Only the templates place per-reader values: they write one-off markers, and whatever placeholder syntax the content brought is neutralised.
  const word = newMarkerWord(randomBytes);
  const markers = placeholderMarkers(ISSUE_PLACEHOLDERS, word);
  const fresh = new Set<number>();
  // In batches, the next rendered while the last compiles: memory holds a
  // batch's documents, not the archive's.
  const render = (batch: number[]) =>
    batch.map((i) => {
      const context = createEmailContext(planned[i]!.view(), site, newsletter, markers);
      // Whatever else is made from the issue's view is made now, while the email holds it.
      alongside?.(planned[i]!);
      const mjml = renderEmailMjml(context, templates);
      const text = sealPlaceholders(renderEmailText(context), word, "text");
      refuseTooBig(mjml, text, planned[i]!);
      const keep = [context.issue.url, site.baseUrl, site.feeds.rss, site.feeds.atom, site.feeds.json];
      return { i, number: planned[i]!.summary.number, keep, mjml, text };
    });
  const finish = async (batch: ReturnType<typeof render>) => {
    const compiled = await compiler.compile(batch.map((m) => ({ mjml: m.mjml, template })));
    batch.forEach((m, j) => {
      const { route } = compiled[j]!;
      let html = sealPlaceholders(compiled[j]!.html, word, "html");
      let text = m.text;
      if (clicks) {
        const redirected = redirectEmailLinks({ html, text }, m.number, m.keep);
        ({ html, text } = redirected);
        const links = JSON.stringify(redirected.links);
        linkTables.set(m.i, redirected.links);
        cache.put(keys[m.i]!, "links", links);
      }
      fresh.add(m.i);
      routes.set(m.i, route);
      sizes[m.i] = [Buffer.byteLength(html), Buffer.byteLength(text)];
      // The html and txt now, the json below: an entry counts as cached once every file is there.
      cache.put(keys[m.i]!, "html", html, sizes[m.i]![0]);
      cache.put(keys[m.i]!, "txt", text, sizes[m.i]![1]);
    });
  };
  const routes = new Map<number, EmailRoute>();
  const linkTables = new Map<number, string[]>();
  let pending: Promise<void> | undefined;
  for (let start = 0; start < missing.length; start += BATCH) {
    await cache.writer.room();
    const batch = render(missing.slice(start, start + BATCH));
    await pending;
    pending = finish(batch);
  }
  await pending;
  const madeAhead = "made" in ahead ? ahead.made.filter((r) => r.compiled) : [];
  if (!("first" in ahead) && missing.length + madeAhead.length === planned.length) await compiler.prune();

  const files = new Map<string, DistFile>();
  const reports: EmailReport[] = [];
  const warnings: Problem[] = [];
  planned.forEach((p, i) => {
    const [htmlBytes, textBytes] = sizes[i]!;
    const base = `emails/${p.summary.number}`;
    if (htmlBytes! > EMAIL_MAX_BYTES) {
      throw new OutputError(
        `${base}.html`,
        `the email's HTML is ${kb(htmlBytes!)} (text part ${kb(textBytes!)}), past Gmail's clipping point of about 102 KB; shorten ${p.issue.file} or split it into two issues`,
      );
    }
    if (htmlBytes! > EMAIL_WARN_BYTES) {
      warnings.push({ file: p.issue.file, path: "", expected: `email HTML is ${kb(htmlBytes!)} (text ${kb(textBytes!)}); Gmail clips past about 102 KB` });
    }
    const { subject, preheader } = emailHeadline(p.summary, newsletter);
    const meta: EmailMeta = {
      number: p.summary.number,
      subject,
      preheader,
      url: p.summary.url,
      draft: p.summary.draft,
      images: new URL("images/", newsletter.base_url).href,
      html: `${p.summary.number}.html`,
      text: `${p.summary.number}.txt`,
      placeholders: clicks ? { ...ISSUE_PLACEHOLDERS, linkBase: PLACEHOLDERS.linkBase } : ISSUE_PLACEHOLDERS,
      bytes: { html: htmlBytes!, text: textBytes! },
      ...(clicks ? { links: linkTables.get(i) ?? (JSON.parse(readFileSync(cache.pathOf(keys[i]!, "links"), "utf8")) as string[]) } : {}),
    };
    // Fresh or cached, the email is in the cache now: dist/ links it.
    if (fresh.has(i)) cache.put(keys[i]!, "json", `${JSON.stringify(meta, null, 2)}\n`);
    files.set(`${base}.html`, { linkFrom: cache.pathOf(keys[i]!, "html") });
    files.set(`${base}.txt`, { linkFrom: cache.pathOf(keys[i]!, "txt") });
    files.set(`${base}.json`, { linkFrom: cache.pathOf(keys[i]!, "json") });
    // An email made ahead comes from the cache now, but this build made it.
    const early = madeAhead.find((r) => r.number === p.summary.number);
    reports.push(early ?? { number: p.summary.number, file: p.issue.file, htmlBytes: htmlBytes!, textBytes: textBytes!, compiled: fresh.has(i), route: routes.get(i) });
  });
  return { files, reports, warnings, keys: new Set(keys) };
}

/** What the server reads beside the confirmation mail. */
export interface ConfirmMeta extends BuiltEmailMeta {
  kind: "confirm";
}

export const CONFIRM_META_FILE = "emails/confirm.json";

/**
 * The double opt-in mail, through the same pipeline as an issue's:
 * emails/confirm.mjml.hbs filled by Handlebars, compiled by mjml, text part
 * from the model; cached by what it is made from. `gazette serve` sends it.
 */
export async function buildConfirmEmail(
  newsletter: Newsletter,
  site: SiteView,
  templates: EmailTemplates,
  cache: OutputCache,
  codeVersion: string,
  compiler: MjmlPool,
): Promise<{ files: Map<string, DistFile>; key: string }> {
  const key = OutputCache.keyOf([codeVersion, templates.fingerprint, newsletterKey(newsletter), "confirm"]);
  const word = newMarkerWord(randomBytes);
  const context = createConfirmEmailContext(site, newsletter, placeholderMarkers(CONFIRM_PLACEHOLDERS, word));
  let sizes = cache.sizes(key, ["html", "txt"]);
  if (!sizes) {
    const text = sealPlaceholders(renderConfirmText(context), word, "text");
    const [compiled] = await compiler.compile([{ mjml: templates.confirm(context), template: `${templates.dir}/confirm.mjml.hbs` }]);
    const html = sealPlaceholders(compiled!, word, "html");
    sizes = [Buffer.byteLength(html), Buffer.byteLength(text)];
    cache.put(key, "html", html, sizes[0]);
    cache.put(key, "txt", text, sizes[1]);
  }
  const meta: ConfirmMeta = {
    kind: "confirm",
    subject: context.subject,
    preheader: context.preheader,
    html: "confirm.html",
    text: "confirm.txt",
    placeholders: CONFIRM_PLACEHOLDERS,
    bytes: { html: sizes[0]!, text: sizes[1]! },
  };
  const files = new Map<string, DistFile>([
    ["emails/confirm.html", { linkFrom: cache.pathOf(key, "html") }],
    ["emails/confirm.txt", { linkFrom: cache.pathOf(key, "txt") }],
    [CONFIRM_META_FILE, `${JSON.stringify(meta, null, 2)}\n`],
  ]);
  return { files, key };
}

/**
 * Refuses an email before mjml compiles it when the text it carries is
 * already past Gmail's clipping point: that text comes out of mjml byte for
 * byte (see shape.ts), so the HTML can only be bigger, and compiling a
 * document of megabytes takes gigabytes.
 */
function refuseTooBig(mjml: string, text: string, planned: PlannedIssue): void {
  // The runs are part of the document: a document within the limit needs no closer look.
  if (Buffer.byteLength(mjml) <= EMAIL_MAX_BYTES) return;
  const floor = parseEmailShape(mjml)?.runs.reduce((sum, run) => sum + Buffer.byteLength(run), 0) ?? 0;
  if (floor <= EMAIL_MAX_BYTES) return;
  throw new OutputError(
    `emails/${planned.summary.number}.html`,
    `the email's HTML would be at least ${kb(floor)} (text part ${kb(Buffer.byteLength(text))}), past Gmail's clipping point of about 102 KB; shorten ${planned.issue.file} or split it into two issues`,
  );
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
