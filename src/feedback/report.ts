import type { IssueReport } from "../model/feedback.ts";

// gazette report: what became of each issue. Pure: rows in, text or JSON out.
// Rates are of the messages the relay accepted.

export interface IssueFigures extends IssueReport {
  rates: { hardBounce: number; softBounce: number; complaint: number; unsubscribe: number };
}

export function withRates(report: IssueReport): IssueFigures {
  const of = (n: number) => (report.accepted > 0 ? n / report.accepted : 0);
  return {
    ...report,
    rates: { hardBounce: of(report.hardBounces), softBounce: of(report.softBounces), complaint: of(report.complaints), unsubscribe: of(report.unsubscribes) },
  };
}

/** "0.30 %": two decimals under 10 %, one above. */
export function percent(rate: number): string {
  const p = rate * 100;
  return `${p < 10 ? p.toFixed(2) : p.toFixed(1)} %`;
}

const COLUMNS: [string, (f: IssueFigures) => string][] = [
  ["issue", (f) => `#${f.issue}`],
  ["sent", (f) => f.sentAt?.slice(0, 16).replace("T", " ") ?? "-"],
  ["recipients", (f) => String(f.recipients)],
  ["accepted", (f) => String(f.accepted)],
  ["deferred", (f) => String(f.deferred)],
  ["rejected", (f) => String(f.rejected)],
  ["hard", (f) => `${f.hardBounces} (${percent(f.rates.hardBounce)})`],
  ["soft", (f) => `${f.softBounces} (${percent(f.rates.softBounce)})`],
  ["complaints", (f) => `${f.complaints} (${percent(f.rates.complaint)})`],
  ["unsubscribes", (f) => `${f.unsubscribes} (${percent(f.rates.unsubscribe)})`],
];

/** One row per issue, aligned, with a header. */
export function renderReportTable(figures: IssueFigures[]): string {
  const rows = [COLUMNS.map(([name]) => name), ...figures.map((f) => COLUMNS.map(([, cell]) => cell(f)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** One issue in full, a figure a line. */
export function renderIssueReport(f: IssueFigures): string {
  const line = (label: string, n: number, rate?: number) => `  ${label.padEnd(14)}${String(n).padStart(7)}${rate === undefined ? "" : `  ${percent(rate)}`}`;
  return (
    [
      `issue #${f.issue}${f.sentAt ? `, first accepted ${f.sentAt.slice(0, 16).replace("T", " ")} UTC` : ", nothing accepted yet"}`,
      line("recipients", f.recipients),
      line("accepted", f.accepted),
      line("deferred", f.deferred),
      line("rejected", f.rejected),
      line("hard bounces", f.hardBounces, f.rates.hardBounce),
      line("soft bounces", f.softBounces, f.rates.softBounce),
      line("complaints", f.complaints, f.rates.complaint),
      line("unsubscribes", f.unsubscribes, f.rates.unsubscribe),
      "  (rates are of the messages accepted; unsubscribes are those since this issue reached them, before the next did)",
    ].join("\n") + "\n"
  );
}

/** Why `gazette send` should not go on, or undefined: the last issue's complaint or hard-bounce rate at or over its limit. */
export function guardRail(last: IssueFigures | undefined, limits: { maxComplaintPercent: number; maxHardBouncePercent: number }): string | undefined {
  if (!last || last.accepted === 0) return undefined;
  const problems: string[] = [];
  if (last.rates.complaint * 100 >= limits.maxComplaintPercent) {
    problems.push(`complaint rate ${percent(last.rates.complaint)} (${last.complaints} of ${last.accepted}) is at or above ${limits.maxComplaintPercent} %`);
  }
  if (last.rates.hardBounce * 100 >= limits.maxHardBouncePercent) {
    problems.push(`hard-bounce rate ${percent(last.rates.hardBounce)} (${last.hardBounces} of ${last.accepted}) is at or above ${limits.maxHardBouncePercent} %`);
  }
  return problems.length ? `issue #${last.issue}'s ${problems.join(", and its ")}` : undefined;
}
