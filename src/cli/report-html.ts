import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { readConfig } from "../config.ts";
import { loadContent } from "../content/load.ts";
import { renderReportHtml, type ClickRow, type FunnelRow } from "../render/report/report-html.ts";
import { weeksFrom } from "../render/report/weeks.ts";
import type { Issue } from "../model/issue.ts";
import { labelsFor } from "../render/labels.ts";
import { openStore } from "../store/open.ts";
import { rankLinks } from "./clicks.ts";
import type { Store } from "../store/store.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette report --html FILE: the whole list and every sent issue, as one page (atomic write). */
export async function writeReportHtml(io: Io, root: string, file: string, now = new Date()): Promise<void> {
  const content = await loadContent(root, undefined, { skipImages: true });
  const store = await openStore(root, readConfig());
  try {
    const html = renderReportHtml({
      title: content.newsletter.title,
      language: content.newsletter.language,
      at: now.toISOString().slice(0, 16).replace("T", " "),
      weeks: weeksFrom(await store.schedules.subscriberEvents(), now),
      issues: await funnels(store, content.issues.filter((i) => !i.draft).map((i) => ({ number: i.number, title: i.title }))),
      clicks: content.newsletter.analytics?.clicks ? await clickRows(store, root, content.issues.filter((i) => !i.draft), content.newsletter.language) : undefined,
    });
    const target = path.resolve(file);
    const tmp = `${target}.${process.pid}.tmp`;
    try {
      await writeFile(tmp, html);
      await rename(tmp, target);
    } catch (cause) {
      await rm(tmp, { force: true });
      throw Object.assign(new Error(`--html: cannot write ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message} (is its folder there, and writable?)`, { cause }), { code: "GAZETTE_USAGE" });
    }
    io.out(`wrote ${path.relative(process.cwd(), target) || target} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB): open it in any browser\n`);
  } finally {
    await store.close();
  }
}

/** gazette report --weeks [--json]: the list week by week, as the HTML report charts it. */
export async function printWeeks(io: Io, root: string, json: boolean, now = new Date()): Promise<void> {
  const store = await openStore(root, readConfig());
  try {
    const weeks = weeksFrom(await store.schedules.subscriberEvents(), now);
    if (json) return io.out(`${JSON.stringify(weeks, null, 2)}\n`);
    if (weeks.length === 0) return io.out("no subscribers yet.\n");
    const head = ["week", "joined", "confirmed", "left", "bounced", "complained", "total"];
    const rows = [head, ...weeks.map((w) => [w.week, w.joined, w.confirmed, w.left, w.bounced, w.complained, w.total].map(String))];
    const widths = head.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    io.out(`${rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")).join("\n")}\n(weeks from Monday, UTC; total: confirmed subscribers at the end of the week)\n`);
  } finally {
    await store.close();
  }
}

/** Each sent issue's funnel: the ledger and the feedback reported afterwards (bounces, complaints, unsubscribes after it). */
async function funnels(store: Store, issues: { number: number; title: string }[]): Promise<FunnelRow[]> {
  const reports = await store.feedback.issueReports();
  return reports.map((r) => ({
      issue: r.issue,
      title: issues.find((i) => i.number === r.issue)?.title,
      sentAt: r.sentAt ?? undefined,
      recipients: r.recipients,
      accepted: r.accepted,
      bounced: r.hardBounces + r.softBounces,
      complained: r.complaints,
      unsubscribed: r.unsubscribes,
    }));
}

/** Each issue's links (its built email's link table) by clicks, named by the paper they belong to where they do. */
async function clickRows(store: Store, root: string, issues: Issue[], language: string): Promise<ClickRow[]> {
  const words = labelsFor(language);
  const rows: ClickRow[] = [];
  for (const issue of issues) {
    const meta = await readFile(path.join(root, "dist/emails", `${issue.number}.json`), "utf8").then((t) => JSON.parse(t) as { links?: string[] }, () => undefined);
    if (!meta?.links) continue;
    const names = new Map<string, string>();
    for (const item of issue.sections.flatMap((s) => s.items)) {
      for (const kind of ["code", "paper", "hub"] as const) if (item.links[kind]) names.set(normalUrl(item.links[kind]!), `${item.title} · ${words.links[kind]}`);
      for (const other of item.links.other ?? []) names.set(normalUrl(other.url), `${item.title} · ${other.label}`);
    }
    const ranked = rankLinks(meta.links, await store.schedules.clicksByLink(issue.number));
    rows.push({ issue: issue.number, links: ranked.filter((r) => r.clicks > 0).map((r) => ({ label: names.get(normalUrl(r.url)) ?? r.url, url: r.url, clicks: r.clicks })) });
  }
  return rows;
}

function normalUrl(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
