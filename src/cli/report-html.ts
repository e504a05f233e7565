import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { readConfig } from "../config.ts";
import { loadContent } from "../content/load.ts";
import { renderReportHtml, type ClickRow, type FunnelRow } from "../render/report/report-html.ts";
import { weeksFrom } from "../render/report/weeks.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** What the feedback store reports per issue, where there is one. */
interface FeedbackFigures {
  issue: number;
  sentAt?: string | null;
  recipients: number;
  accepted: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  unsubscribes: number;
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
      clicks: clicksOn(content.newsletter) ? await clickRows(store, root, content.issues.filter((i) => !i.draft).map((i) => i.number)) : undefined,
    });
    const target = path.resolve(file);
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, html);
    await rename(tmp, target);
    io.out(`wrote ${path.relative(process.cwd(), target) || target} (${(Buffer.byteLength(html) / 1024).toFixed(1)} KB): open it in any browser\n`);
  } finally {
    await store.close();
  }
}

/** Each sent issue's funnel: the ledger and the feedback reported afterwards (bounces, complaints, unsubscribes after it). */
async function funnels(store: Store, issues: { number: number; title: string }[]): Promise<FunnelRow[]> {
  const reports: FeedbackFigures[] = await store.feedback.issueReports();
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

function clicksOn(newsletter: object): boolean {
  return (newsletter as { analytics?: { clicks?: boolean } }).analytics?.clicks === true;
}

/** Each issue's links (from its built email's link table) by clicks. */
async function clickRows(store: Store, root: string, numbers: number[]): Promise<ClickRow[]> {
  const rows: ClickRow[] = [];
  for (const n of numbers) {
    const meta = await readFile(path.join(root, "dist/emails", `${n}.json`), "utf8").then((t) => JSON.parse(t) as { links?: (string | { url: string; label?: string })[] }, () => undefined);
    if (!meta?.links) continue;
    const counts = await store.schedules.clicksByLink(n);
    const links = meta.links.map((l, i) => {
      const url = typeof l === "string" ? l : l.url;
      const label = typeof l === "string" ? url : l.label ?? url;
      return { label, url, clicks: counts.get(i) ?? counts.get(i + 1) ?? 0 };
    });
    rows.push({ issue: n, links: links.filter((l) => l.clicks > 0) });
  }
  return rows;
}
