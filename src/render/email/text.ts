import { displayWidth, wrapText } from "../text-wrap.ts";
import type { EmailContext } from "./context.ts";

const WIDTH = 76;

/**
 * The plain-text part, written from the model (not scraped from the HTML):
 * every item with its title, authors, summary and full link URLs, wrapped
 * at 76 columns with CJK-aware breaks. Pure.
 */
export function renderEmailText(context: EmailContext): string {
  const { issue, site, labels } = context;
  const out: string[] = [];
  out.push(wrapText(context.subject, WIDTH), issue.dateText, "", linkLine(labels.viewInBrowser, issue.url), "");
  if (issue.leadText) out.push(wrapText(issue.leadText, WIDTH), "");
  if (issue.contributorsText) out.push(wrapText(`${site.labels.contributors}${site.labels.colon}${issue.contributorsText}`, WIDTH), "");
  for (const section of issue.sections) {
    out.push(section.title, "=".repeat(Math.min(WIDTH, displayWidth(section.title))), "");
    for (const item of section.items) {
      const head = `${item.index}. `;
      const indent = " ".repeat(head.length);
      const first = item.institutions || item.title;
      // Wrapped with the hanging indent, then the number put in the first line's indent: every line fits.
      out.push(wrapText(first, WIDTH, indent).replace(indent, head));
      if (item.institutions) out.push(wrapText(item.title, WIDTH, indent));
      if (item.translation) out.push(wrapText(item.translation, WIDTH, indent));
      if (item.authors) out.push(wrapText(`${site.labels.authors}${site.labels.colon}${item.authors}`, WIDTH, indent));
      out.push("", wrapText(item.summaryText, WIDTH, indent), "");
      for (const link of item.links) out.push(linkLine(`${link.label}${site.labels.colon}`, link.url, indent));
      out.push("");
    }
  }
  out.push("-- ", wrapText(labels.why, WIDTH));
  out.push(`RSS: ${site.feeds.rss}`, `Atom: ${site.feeds.atom}`, `JSON Feed: ${site.feeds.json}`);
  if (context.postalAddress) out.push(wrapText(context.postalAddress, WIDTH));
  out.push(linkLine(`${labels.unsubscribe}${site.labels.colon}`, context.placeholders.unsubscribeUrl));
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}

/** "label url" on one line when it fits; else the URL alone on the next line. */
function linkLine(label: string, url: string, indent = ""): string {
  const one = `${indent}${label}${/[\s:：]$/.test(label) ? "" : " "}${url}`;
  return displayWidth(one) <= WIDTH ? one : `${indent}${label.trimEnd()}\n${url}`;
}
