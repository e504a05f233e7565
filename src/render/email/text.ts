import type { TextParagraph } from "../markdown.ts";
import type { FigureView } from "../figures.ts";
import { displayWidth, wrapText } from "../text-wrap.ts";
import type { EmailContext } from "./context.ts";

const WIDTH = 76;

/**
 * The plain-text part, written from the model (not scraped from the HTML):
 * every item with its title, authors, summary and full link URLs, wrapped
 * at 76 columns with CJK-aware breaks. Every link of the HTML part is here
 * too: a link inside running text is marked "words [n]" and its URL listed
 * as "[n] https://…" after the lead, summary or footer it stands in. Pure.
 */
export function renderEmailText(context: EmailContext): string {
  const { issue, site, labels } = context;
  const refs = createReferences();
  const out: string[] = [];
  out.push(wrapText(context.subject, WIDTH), issue.dateText, "", linkLine(labels.viewInBrowser, issue.url), "");
  if (issue.leadParagraphs.length > 0) out.push(...textBlock(issue.leadParagraphs, refs), "");
  for (const picture of issue.leadPictures) out.push(pictureLine(context, picture), "");
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
      out.push("", ...textBlock(item.summaryParagraphs, refs, indent), "");
      for (const picture of item.pictures) out.push(pictureLine(context, picture, indent), "");
      for (const link of item.links) out.push(linkLine(`${link.label}${site.labels.colon}`, link.url, indent));
      out.push("");
    }
  }
  out.push("-- ");
  if (context.footerParagraphs.length > 0) out.push(...textBlock(context.footerParagraphs, refs), "");
  out.push(wrapText(labels.why, WIDTH));
  out.push(`RSS: ${site.feeds.rss}`, `Atom: ${site.feeds.atom}`, `JSON Feed: ${site.feeds.json}`);
  out.push(linkLine(`${site.labels.allIssues}${site.labels.colon}`, site.baseUrl));
  if (context.postalAddress) out.push(wrapText(context.postalAddress, WIDTH));
  out.push(linkLine(`${labels.unsubscribe}${site.labels.colon}`, context.placeholders.unsubscribeUrl));
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trim()}\n`;
}

/** A picture, which a text part cannot show: named by its caption (else its alt text), with its URL. */
function pictureLine(context: EmailContext, picture: FigureView, indent = ""): string {
  const { labels, site } = context;
  const name = `${labels.figure}${site.labels.colon}${picture.caption ?? picture.alt}`;
  // A URL is never broken; it goes on a line of its own under the name.
  return `${wrapText(name, WIDTH, indent)}\n${indent}${picture.src}`;
}

/** "label url" on one line when it fits; else the URL alone on the next line. */
function linkLine(label: string, url: string, indent = ""): string {
  const one = `${indent}${label}${/[\s:：]$/.test(label) ? "" : " "}${textUrl(url)}`;
  return displayWidth(one) <= WIDTH ? one : `${indent}${label.trimEnd()}\n${textUrl(url)}`;
}

/**
 * A URL as plain text must not hold what ends a URL there (spaces, quotes,
 * angle brackets): written in its serialised form, which percent-encodes
 * them and is the same address. Placeholders stay as they are.
 */
function textUrl(url: string): string {
  if (!/^https?:\/\//.test(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Reference numbers for the whole text part, one per URL, counted from 1 in reading order. */
interface References {
  /** The URL's number; a URL seen for the first time is added to `fresh`. */
  number(url: string, fresh: [number, string][]): number;
}

function createReferences(): References {
  const numbers = new Map<string, number>();
  return {
    number(url, fresh) {
      let n = numbers.get(url);
      if (n === undefined) {
        n = numbers.size + 1;
        numbers.set(url, n);
        fresh.push([n, url]);
      }
      return n;
    },
  };
}

/** Paragraphs wrapped, links marked [n], then a blank line and the new references, one per line. */
function textBlock(paragraphs: TextParagraph[], refs: References, indent = ""): string[] {
  const fresh: [number, string][] = [];
  const text = paragraphs
    .map((runs) =>
      runs
        .map((run) => {
          if (typeof run === "string") return run;
          const words = run.text.trim();
          const mark = `[${refs.number(run.url, fresh)}]`;
          return words === "" ? mark : `${words} ${mark}`;
        })
        .join(""),
    )
    .join("\n\n");
  const lines = [wrapText(text, WIDTH, indent)];
  if (fresh.length > 0) lines.push("", ...fresh.map(([n, url]) => linkLine(`[${n}]`, url, indent)));
  return lines;
}
