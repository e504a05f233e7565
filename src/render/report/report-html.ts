import { escapeHtml } from "../html.ts";
import { isChinese } from "../labels.ts";
import { barChart, funnelChart, weeksChart } from "./charts.ts";
import { reportWords, type ReportWords } from "./words.ts";

// gazette report --html FILE: one self-contained page (no script, no file
// beside it) with the list over time, each issue's delivery funnel and,
// where click counts are on, its papers by clicks; every chart an inline
// SVG with a title and a text alternative, and its numbers in a table
// beside it. Pure: figures in, HTML out.

/** One week (from Monday, UTC) of the list. */
export interface WeekRow {
  week: string;
  joined: number;
  confirmed: number;
  left: number;
  bounced: number;
  complained: number;
  /** Confirmed subscribers at the end of the week. */
  total: number;
}

/** What became of one issue. */
export interface FunnelRow {
  issue: number;
  title?: string;
  sentAt?: string;
  recipients: number;
  accepted: number;
  bounced: number;
  complained: number;
  unsubscribed: number;
}

export interface ClickRow {
  issue: number;
  links: { label: string; url: string; clicks: number }[];
}

export interface ReportInput {
  title: string;
  language: string;
  /** When the figures were read, as the page says (the caller's clock). */
  at: string;
  weeks: WeekRow[];
  issues: FunnelRow[];
  /** Absent when click counts are off. */
  clicks?: ClickRow[];
}

export function renderReportHtml(input: ReportInput): string {
  const w = reportWords(input.language);
  const zh = isChinese(input.language);
  const sections = [
    section("weeks", w.weeksTitle, weeksChart("weeks-chart", input.weeks, w), weeksTable(input.weeks, w)),
    section("funnel", w.funnelTitle, funnelChart("funnel-chart", input.issues, w), funnelTable(input.issues, w)),
  ];
  if (input.clicks) {
    for (const c of input.clicks) {
      const title = `${w.clicksTitle} #${c.issue}`;
      sections.push(section(`clicks-${c.issue}`, title, barChart(`clicks-${c.issue}-chart`, c.links.map((l) => ({ label: l.label, value: l.clicks })), `${title}: ${w.clicksAlt}`, w), clicksTable(c, w)));
    }
  }
  const font = zh ? "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',sans-serif" : "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans CJK SC',sans-serif";
  return `<!doctype html>
<html lang="${escapeHtml(input.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(`${input.title} · ${w.report}`)}</title>
<style>
body { margin: 0 auto; max-width: 960px; padding: 16px; font-family: ${font}; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.5rem; margin: 0 0 4px; } h2 { font-size: 1.2rem; margin: 32px 0 8px; }
.meta { color: #59636e; margin: 0 0 16px; }
figure { margin: 0; } svg { display: block; width: 100%; height: auto; max-width: 100%; }
.table { overflow-x: auto; } table { border-collapse: collapse; font-size: 0.9rem; margin-top: 8px; min-width: 100%; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #e4e7eb; white-space: nowrap; } th:first-child, td:first-child { text-align: left; }
td.label { white-space: normal; overflow-wrap: anywhere; text-align: left; }
@media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } .meta { color: #9198a1; } th, td { border-color: #30363d; } }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)} · ${escapeHtml(w.report)}</h1>
<p class="meta">${escapeHtml(w.readAt(input.at))}</p>
${sections.join("\n")}
<p class="meta">${escapeHtml(w.privacy)}</p>
</body>
</html>
`;
}

function section(id: string, title: string, chart: string, table: string): string {
  return `<section id="${id}">
<h2>${escapeHtml(title)}</h2>
<figure>${chart}</figure>
<div class="table">${table}</div>
</section>`;
}

function table(head: string[], rows: (string | number)[][], firstIsLabel = false): string {
  const cells = (row: (string | number)[], tag: "td" | "th") => row.map((c, i) => `<${tag}${tag === "td" && i === 0 && firstIsLabel ? ' class="label"' : ""}>${escapeHtml(String(c))}</${tag}>`).join("");
  return `<table><thead><tr>${cells(head, "th")}</tr></thead><tbody>${rows.map((r) => `<tr>${cells(r, "td")}</tr>`).join("")}</tbody></table>`;
}

function weeksTable(weeks: WeekRow[], w: ReportWords): string {
  return table(
    [w.week, w.joined, w.confirmed, w.left, w.bounced, w.complained, w.total],
    weeks.map((r) => [r.week, r.joined, r.confirmed, r.left, r.bounced, r.complained, r.total]),
  );
}

function funnelTable(issues: FunnelRow[], w: ReportWords): string {
  return table(
    [w.issue, w.recipients, w.accepted, w.bounced, w.complained, w.unsubscribed],
    issues.map((r) => [`#${r.issue}${r.sentAt ? ` (${r.sentAt.slice(0, 10)})` : ""}`, r.recipients, r.accepted, r.bounced, r.complained, r.unsubscribed]),
  );
}

function clicksTable(c: ClickRow, w: ReportWords): string {
  return table([w.link, w.clicks], c.links.map((l) => [`${l.label} · ${l.url}`, l.clicks]), true);
}
