import { escapeHtml } from "../html.ts";
import type { FunnelRow, WeekRow } from "./report-html.ts";
import type { ReportWords } from "./words.ts";

// Charts as inline SVG, drawn here: a viewBox that scales to the page (no
// sideways scrolling on a phone), a <title> and a <desc> that says in words
// what the chart shows, and colours that are also told apart by position.

const COLOURS = { joined: "#1a7f37", left: "#8c959f", bounced: "#bc4c00", complained: "#cf222e", total: "#0b5cad", recipients: "#afb8c1", accepted: "#0b5cad", unsubscribed: "#8250df" };
function svg(id: string, width: number, height: number, title: string, desc: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" font-size="12"><title id="${id}-t">${escapeHtml(title)}</title><desc id="${id}-d">${escapeHtml(desc)}</desc>${body}</svg>`;
}

const text = (x: number, y: number, value: string, anchor = "start", fill = "currentColor") =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" text-anchor="${anchor}" fill="${fill}">${escapeHtml(value)}</text>`;

const rect = (x: number, y: number, w: number, h: number, fill: string) => `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"/>`;

function legend(items: [string, string][], y: number): string {
  return items.map(([label, colour], i) => `${rect(8 + i * 120, y - 9, 10, 10, colour)}${text(22 + i * 120, y, label)}`).join("");
}

/** Joined, left, bounced and complained as bars per week; confirmed in all as a line. */
export function weeksChart(id: string, weeks: WeekRow[], w: ReportWords): string {
  if (weeks.length === 0) return svg(id, 640, 40, w.weeksTitle, w.none, text(8, 24, w.none));
  const W = 640;
  const H = 260;
  const left = 40;
  const top = 30;
  const bottom = 220;
  const step = (W - left - 10) / weeks.length;
  const barMax = Math.max(1, ...weeks.flatMap((r) => [r.joined, r.left, r.bounced, r.complained]));
  const totalMax = Math.max(1, ...weeks.map((r) => r.total));
  const kinds = ["joined", "left", "bounced", "complained"] as const;
  const barW = Math.max(1, (step * 0.8) / kinds.length);
  const bars = weeks
    .map((r, i) => kinds.map((k, j) => rect(left + i * step + step * 0.1 + j * barW, bottom - ((bottom - top) * r[k]) / barMax, barW, ((bottom - top) * r[k]) / barMax, COLOURS[k])).join(""))
    .join("");
  const points = weeks.map((r, i) => `${(left + i * step + step / 2).toFixed(1)},${(bottom - ((bottom - top) * r.total) / totalMax).toFixed(1)}`).join(" ");
  const line = `<polyline points="${points}" fill="none" stroke="${COLOURS.total}" stroke-width="2"/>`;
  const axis = `<line x1="${left}" y1="${bottom}" x2="${W - 10}" y2="${bottom}" stroke="#8c959f"/>${text(left - 4, top + 4, String(barMax), "end")}${text(left - 4, bottom, "0", "end")}${text(left, bottom + 16, weeks[0]!.week)}${text(W - 10, bottom + 16, weeks.at(-1)!.week, "end")}${text(W - 10, top - 4, `${w.total} ${totalMax}`, "end", COLOURS.total)}`;
  const sum = (k: (typeof kinds)[number]) => weeks.reduce((n, r) => n + r[k], 0);
  const desc = w.weeksAlt(weeks[0]!.week, weeks.at(-1)!.week, weeks[0]!.total, weeks.at(-1)!.total, sum("joined"), sum("left"), sum("bounced"), sum("complained"));
  return svg(id, W, H, w.weeksTitle, desc, `${legend([[w.joined, COLOURS.joined], [w.left, COLOURS.left], [w.bounced, COLOURS.bounced], [w.complained, COLOURS.complained]], 14)}${bars}${line}${axis}`);
}

/** Per issue: recipients, accepted, bounced, complained, unsubscribed after, as horizontal bars with their numbers. */
export function funnelChart(id: string, issues: FunnelRow[], w: ReportWords): string {
  if (issues.length === 0) return svg(id, 640, 40, w.funnelTitle, w.none, text(8, 24, w.none));
  const kinds = [
    ["recipients", w.recipients],
    ["accepted", w.accepted],
    ["bounced", w.bounced],
    ["complained", w.complained],
    ["unsubscribed", w.unsubscribed],
  ] as const;
  const W = 640;
  const left = 70;
  const barH = 9;
  const groupH = kinds.length * (barH + 2) + 14;
  const max = Math.max(1, ...issues.map((r) => r.recipients));
  const width = W - left - 60;
  const body = issues
    .map((r, i) => {
      const y0 = 30 + i * groupH;
      return (
        text(4, y0 + 2 * (barH + 2) + 2, `#${r.issue}`) +
        kinds.map(([k], j) => rect(left, y0 + j * (barH + 2), (width * r[k]) / max, barH, COLOURS[k]) + text(left + (width * r[k]) / max + 4, y0 + j * (barH + 2) + barH - 1, String(r[k]))).join("")
      );
    })
    .join("");
  const desc = w.funnelAlt(issues.map((r) => `#${r.issue} ${r.recipients}/${r.accepted}/${r.bounced}/${r.complained}/${r.unsubscribed}`).join("; "));
  return svg(id, W, 30 + issues.length * groupH, w.funnelTitle, desc, `${legend(kinds.slice(0, 5).map(([k, label]) => [label, COLOURS[k]]), 14)}${body}`);
}

/** Horizontal bars, largest first, each with its label and value. */
export function barChart(id: string, rows: { label: string; value: number }[], title: string, w: ReportWords): string {
  if (rows.length === 0) return svg(id, 640, 40, title, w.none, text(8, 24, w.none));
  const sorted = [...rows].sort((a, b) => b.value - a.value);
  const W = 640;
  const rowH = 34;
  const max = Math.max(1, ...sorted.map((r) => r.value));
  const body = sorted
    .map((r, i) => {
      const y = 8 + i * rowH;
      const label = r.label.length > 60 ? `${r.label.slice(0, 59)}…` : r.label;
      return text(4, y + 11, label) + rect(4, y + 15, ((W - 60) * r.value) / max, 10, COLOURS.accepted) + text(8 + ((W - 60) * r.value) / max, y + 24, String(r.value));
    })
    .join("");
  const desc = sorted.map((r) => `${r.label}: ${r.value}`).join("; ");
  return svg(id, W, 8 + sorted.length * rowH, title, desc, body);
}
