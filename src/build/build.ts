import { existsSync } from "node:fs";
import path from "node:path";
import type { Newsletter } from "../model/newsletter.ts";
import { loadContent } from "../content/load.ts";
import type { Problem } from "../errors.ts";
import { planSite, renderIndexAndFeeds, type PlannedIssue, type Reuse } from "../render/site.ts";
import { createSiteView } from "../render/web/archive.ts";
import { ContentCache } from "../content/cache.ts";
import { ImageCache } from "../images/cache.ts";
import { imageFingerprints, processImages } from "../images/images.ts";
import { checkOutputs } from "./check-output.ts";
import { codeVersion } from "./code-version.ts";
import { MjmlPool } from "./compile-emails.ts";
import { HeapGrowth } from "./heap-growth.ts";
import { EmailHtmlCompiler } from "./email-html.ts";
import { FileWriter } from "./file-writer.ts";
import { newsletterKey, OutputCache } from "./output-cache.ts";
import { FeedFragments } from "./feed-fragments.ts";
import { feedEntries, feedEntriesKey, itemHeadings, rememberTags, summaries } from "./process-memo.ts";
import { IssuePages } from "./pages.ts";
import { buildConfirmEmail, buildEmails, type EmailReport } from "./emails.ts";
import { readEmailTemplates, readWebTemplates } from "./read-templates.ts";
import { buildSearchIndex } from "./search-index.ts";
import { TemplateCache } from "./template-cache.ts";
import { changedFeedUrls } from "../websub/changed-feeds.ts";
import { addPending } from "../websub/pending.ts";
import { removeSkeleton, skeletonFor, writeDist, type DistFile, type WriteReport } from "./write-dist.ts";

export interface BuildOptions {
  /** Project folder holding content/. */
  root: string;
  /** Output folder; defaults to <root>/dist. */
  outDir?: string;
  /** Parsed-content and built-email caches; defaults to <root>/.gazette/cache. */
  cacheDir?: string;
  /** mjml workers to use, kept warm by a caller that builds again and again (gazette preview); else started and closed per build. */
  compiler?: MjmlPool;
  /** What keys every cache entry; defaults to codeVersion() (Gazette's sources and the versions of the packages that render). */
  codeVersion?: string;
  /**
   * Called with the emails' files as soon as they are made, before the
   * pages, feeds and search index (gazette preview shows the edited email
   * at once from them). The emails are always made first; dist/ still changes
   * only at the end, as a whole, and only if the whole build succeeds.
   */
  onEmails?: (files: Map<string, DistFile>) => void | Promise<void>;
  /**
   * Issues whose emails are made before every other email and handed to
   * onEmails alone (gazette preview's issue: it shows before the build has
   * looked at the other 999). The build goes on when onEmails resolves.
   */
  emailsFirst?: number[];
}

export interface BuildResult extends WriteReport {
  outDir: string;
  /** Issues built, drafts included. */
  issues: number;
  drafts: number;
  emails: EmailReport[];
  /** Issue pages rendered afresh (the rest came from the cache). */
  pagesRendered: number;
  /** Whether any shard of the search index was made afresh (else all came from the cache: no published paper had changed). */
  searchIndexed: boolean;
  /** The search index's shards, those made afresh, and the papers indexed for them. */
  search: { shards: number; shardsIndexed: number; documentsIndexed: number };
  /** The newsletter as built (gazette build --ping reads its hubs). */
  newsletter: Newsletter;
  /** Public URLs of the feeds (main and topics) whose bytes this build changed. */
  changedFeeds: string[];
  /** Documents mjml compiled for the issue emails (each new shape once; documents with no usable shape). */
  mjmlCompiles: number;
  /** Image files processed afresh (the rest came from the cache). */
  imagesProcessed: number;
  warnings: Problem[];
}

/**
 * load → render → check → write. Throws ContentError (every problem in
 * every file) or a Render/OutputError before anything is written; dist/
 * changes only as a whole.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const heap = new HeapGrowth();
  const compiler = options.compiler ?? new MjmlPool();
  try {
    return await buildWith(options, compiler, !options.compiler, heap);
  } finally {
    heap.release();
    if (!options.compiler) await compiler.close();
  }
}

async function buildWith(options: BuildOptions, compiler: MjmlPool, ownCompiler: boolean, heap: HeapGrowth): Promise<BuildResult> {
  const outDir = options.outDir ?? path.join(options.root, "dist");
  refuseOutDir(options.root, outDir);
  const cacheDir = options.cacheDir ?? path.join(options.root, ".gazette/cache");
  const shapesDir = path.join(cacheDir, "shapes");
  // With no compiled shapes yet (a first build), mjml will be needed: its
  // half-second import starts now, beside the loading. Otherwise a worker
  // starts only if an email needs compiling.
  if (!existsSync(shapesDir)) compiler.warm();
  const version = options.codeVersion ?? (await codeVersion());
  // The cache's files and the search shards are written on a thread of their own.
  const writer = new FileWriter();
  const cache = new OutputCache(path.join(cacheDir, "out"), writer);
  try {
    return await buildInto(options, compiler, ownCompiler, heap, { outDir, cacheDir, shapesDir, version, cache });
  } catch (err) {
    // Folders made ahead for a dist/ this build never wrote (writeDist takes
    // them when it gets that far); unless another build holds dist/, which
    // may be about to take them itself.
    await writer.flush().catch(() => {});
    if ((err as { code?: string }).code !== "GAZETTE_BUSY") removeSkeleton(outDir);
    throw err;
  } finally {
    await writer.close();
  }
}

async function buildInto(
  options: BuildOptions,
  compiler: MjmlPool,
  ownCompiler: boolean,
  heap: HeapGrowth,
  { outDir, cacheDir, shapesDir, version, cache }: { outDir: string; cacheDir: string; shapesDir: string; version: string; cache: OutputCache },
): Promise<BuildResult> {
  const imageCache = await ImageCache.open(path.join(cacheDir, "images"), version);
  const contentCache = await ContentCache.open(path.join(cacheDir, "content.v8"), version);
  const content = await loadContent(options.root, contentCache, { imageCache });
  rememberTags(content.issues, contentCache);
  const images = await processImages(options.root, content.issues, content.newsletter.images, imageCache);
  // Templates are compiled once per change of their sources, not by every build.
  const precompiled = TemplateCache.open(path.join(cacheDir, "templates.json"));
  const [webTemplates, emailTemplates] = await Promise.all([readWebTemplates(undefined, precompiled), readEmailTemplates(options.root, precompiled)]);
  const { newsletter } = content;
  // An issue's pages and email change when a picture it shows does: its fingerprint covers them.
  const fingerprints = imageFingerprints(content.issues, content.fingerprints, images.images);
  const planned = planSite(newsletter, content.issues, fingerprints, summaries(newsletter, contentCache), images.images, itemHeadings(newsletter, contentCache));
  // A build with no tree to start from makes its folders (one per issue page) on the writer's thread meanwhile.
  const skeleton = skeletonFor(outDir);
  if (skeleton) for (const p of planned) cache.writer.do({ op: "mkdir", dir: path.join(skeleton, p.summary.path) });
  // What every page and email says about the site (its footer's Markdown included): made once.
  const site = createSiteView(newsletter);
  const emailCompiler = new EmailHtmlCompiler(compiler, shapesDir, version);
  // An issue whose email is rendered has its page rendered beside it, from the same view: its Markdown is rendered once.
  const issuePages = new IssuePages(newsletter, planned, site, webTemplates, cache, version);
  const alongside = (p: PlannedIssue) => issuePages.renderAhead(p);
  let madeAhead: EmailReport[] = [];
  if (options.onEmails && options.emailsFirst) {
    const wanted = new Set(options.emailsFirst);
    // Made and kept in the cache: the pass over every email below then finds them there.
    const first = await buildEmails(newsletter, site, planned.filter((p) => wanted.has(p.summary.number)), emailTemplates, cache, version, emailCompiler, undefined, { first: true }, alongside);
    madeAhead = first.reports;
    await cache.flush();
    await options.onEmails(first.files);
  }
  // Emails first: the shapes they need, and the documents with none, compile on mjml's worker threads.
  const emailsBuilt = Promise.all([
    buildEmails(newsletter, site, planned, emailTemplates, cache, version, emailCompiler, heap, { made: madeAhead }, alongside),
    buildConfirmEmail(newsletter, site, emailTemplates, cache, version, compiler),
  ]);
  // A pool of its own is done once the emails are: its threads (mjml's memory) go before the rest of the build peaks.
  if (ownCompiler) void emailsBuilt.finally(() => compiler.close()).catch(() => {});
  // The emails are made before the pages: their batches, in flight while
  // pages were rendered between them, outlived V8's cheap collections and
  // grew the heap by a hundred megabytes; one after the other, a cold build
  // of 1,000 issues peaks 100 MB lower and ends sooner.
  const [emails, confirmation] = await emailsBuilt;
  if (options.onEmails && !options.emailsFirst) {
    // On disk before the caller reads them through their links.
    await cache.flush();
    await options.onEmails(new Map([...emails.files, ...confirmation.files]));
  }
  const listings = reuseListings(cache, OutputCache.keyOf([version, webTemplates.fingerprint, newsletterKey(newsletter), "listing"]));
  // The feeds' entries as an earlier build wrote them: only an edited issue's are made (and checked) again.
  const entriesKey = feedEntriesKey(version, webTemplates, newsletter);
  const fragments = FeedFragments.open(path.join(cacheDir, "feed-entries.v8"), entriesKey);
  const files = new Map<string, DistFile>(renderIndexAndFeeds(newsletter, site, planned, webTemplates, feedEntries(entriesKey, fragments), listings.reuse));
  for (const [file, body] of images.files) files.set(file, body);
  const pages = await issuePages.finish();
  // The search shards whose issues changed are made afresh, the rest linked from the cache.
  const search = await buildSearchIndex(newsletter, planned, cacheDir, version, cache.writer, heap);
  for (const [file, body] of [...pages.files, ...search.files, ...emails.files, ...confirmation.files]) files.set(file, body);
  checkOutputs(files);
  // Every file dist/ links is on disk before it is linked.
  await cache.flush();
  const report = await writeDist(outDir, files);
  // After the swap: dist/ (and the preview's reload) does not wait for it.
  await contentCache.save();
  precompiled.save();
  fragments.save();
  // The feeds this build changed are owed a WebSub notification (gazette ping sends them).
  const changedFeeds = changedFeedUrls(newsletter, report.written);
  await addPending(options.root, newsletter.websub?.hubs ?? [], changedFeeds);
  await cache.prune(new Set([...pages.keys, ...emails.keys, confirmation.key, ...listings.keys]));
  return {
    ...report,
    outDir,
    issues: content.issues.length,
    drafts: content.issues.filter((i) => i.draft).length,
    emails: emails.reports,
    pagesRendered: pages.rendered,
    searchIndexed: search.shardsIndexed > 0,
    search: { shards: search.shards, shardsIndexed: search.shardsIndexed, documentsIndexed: search.documentsIndexed },
    changedFeeds,
    newsletter,
    mjmlCompiles: emailCompiler.mjmlRuns,
    imagesProcessed: images.processed,
    warnings: [...content.warnings, ...emails.warnings],
  };
}

/**
 * The index, the feeds and the topic files, each linked from the cache when
 * the issues it shows are the same (their fingerprints), else made, checked
 * (as checkOutputs would) and kept for the next build.
 */
function reuseListings(cache: OutputCache, shared: string): { reuse: Reuse; keys: Set<string> } {
  const keys = new Set<string>();
  const reuse: Reuse = (file, parts, make, checkAs) => {
    const key = OutputCache.keyOf([shared, file, ...parts]);
    const ext = path.extname(file).slice(1);
    keys.add(key);
    if (cache.has(key, [ext])) return { linkFrom: cache.pathOf(key, ext) };
    const text = make();
    // A feed whose entries were checked as they were kept: the rest of it (checkAs), else all of it.
    checkOutputs(new Map([[file, checkAs ? checkAs() : text]]));
    cache.put(key, ext, text);
    // Linked from the cache like the rest, not handed over as text: dist/
    // would write it a second time, and compare it with the published file
    // by encoding it again (after one edit in 1,000 issues: 40 feeds, 15 MB).
    return { linkFrom: cache.pathOf(key, ext) };
  };
  return { reuse, keys };
}

/** Folders of the project that a build must never replace: the output folder is swapped in whole. */
const PROJECT_FOLDERS = ["content", "emails", "data", ".gazette", "node_modules", "src"];

/**
 * The output folder is replaced as a whole, so it must be a folder of its
 * own: not the project, not a folder holding it, not inside its sources.
 */
function refuseOutDir(root: string, outDir: string): void {
  const project = path.resolve(root);
  const out = path.resolve(outDir);
  const inside = (dir: string, maybeParent: string) => dir === maybeParent || dir.startsWith(`${maybeParent}${path.sep}`);
  const clash = inside(project, out) ? "the project folder itself" : PROJECT_FOLDERS.find((f) => inside(out, path.join(project, f)));
  if (clash) {
    const what = clash === "the project folder itself" ? clash : `the project's ${clash}/`;
    throw Object.assign(new Error(`output folder ${path.relative(process.cwd(), out) || "."}: a build replaces it whole, and it would replace ${what}; choose a folder of its own, such as dist`), {
      code: "GAZETTE_OUTDIR",
    });
  }
}
