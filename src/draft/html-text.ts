import { Parser } from "htmlparser2";
import { stripIllegalChars } from "../content/sanitize.ts";

// Feed summaries arrive as HTML (or as text that may hold entities). A draft
// wants plain Markdown: tags gone, entities decoded, script and style gone
// with their contents, whitespace collapsed, and every character that
// Markdown would read as syntax escaped, so that the text says what the feed
// said and nothing runs.

/** Elements whose contents are never text a reader should see. */
const DROPPED = new Set(["script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head", "select", "textarea"]);

/** Elements that end a paragraph. */
const BLOCKS = new Set([
  "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3",
  "h4", "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
]);

export interface HtmlText {
  /** Plain-text paragraphs, whitespace collapsed, nothing escaped. */
  paragraphs: string[];
  /** Every href of an <a>, in document order. */
  links: string[];
}

/** Reads the text out of an HTML fragment (or plain text with entities). Pure. */
export function parseHtmlText(html: string): HtmlText {
  const paragraphs: string[] = [];
  const links: string[] = [];
  let current = "";
  let dropped = 0;
  const flush = () => {
    const text = collapseWhitespace(current);
    if (text !== "") paragraphs.push(text);
    current = "";
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (DROPPED.has(name)) dropped++;
        else if (dropped === 0 && BLOCKS.has(name)) flush();
        else if (dropped === 0 && name === "a" && attributes.href) links.push(attributes.href.trim());
      },
      ontext(text) {
        if (dropped === 0) current += text;
      },
      onclosetag(name) {
        if (DROPPED.has(name)) dropped = Math.max(0, dropped - 1);
        else if (dropped === 0 && BLOCKS.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.end(stripIllegalChars(html).text);
  flush();
  return { paragraphs, links };
}

/** Plain text on one line: for titles and names. */
export function htmlToPlainLine(html: string): string {
  return parseHtmlText(html).paragraphs.join(" ");
}

/** Markdown paragraphs that render back to exactly the text given, cut near `maxChars`. */
export function renderMarkdownParagraphs(paragraphs: string[], maxChars: number): string {
  const kept: string[] = [];
  let room = maxChars;
  for (const paragraph of paragraphs) {
    if (room <= 0) break;
    const chars = Array.from(paragraph);
    kept.push(escapeMarkdown(chars.length <= room ? paragraph : cutAtBoundary(chars, room)));
    room -= chars.length;
  }
  return kept.join("\n\n");
}

/**
 * Escapes what Markdown (markdown-it, as the renderers configure it) would
 * read as syntax in one paragraph: emphasis, code, links, images, autolinks,
 * tables, strike-through, entities, and line-start headings, lists, quotes
 * and rules.
 */
export function escapeMarkdown(paragraph: string): string {
  return paragraph
    .replace(/[\\`*_[\]<>|~]/g, "\\$&")
    .replace(/&(?=#?[a-z0-9]+;)/gi, "\\&")
    .replace(/^[#+=-]/, "\\$&")
    .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

/**
 * Zero-width spaces go; runs of white space become one space; a line break between two CJK
 * characters disappears (CSS Text 3: Chinese has no spaces between words).
 */
function collapseWhitespace(text: string): string {
  return text
    .replace(/[\u200b\ufeff]/g, "")
    .replace(/\s+/g, (run, offset: number, whole: string) => {
      if (!/[\n\r]/.test(run)) return " ";
      const before = whole[offset - 1] ?? "";
      const after = whole[offset + run.length] ?? "";
      return CJK.test(before) && CJK.test(after) ? "" : " ";
    })
    .trim();
}

/** The first `max` characters, ending at a sentence or word boundary when one is near, then "…". */
function cutAtBoundary(chars: string[], max: number): string {
  const head = chars.slice(0, max);
  const floor = Math.floor(max * 0.6);
  for (let i = head.length - 1; i >= floor; i--) {
    if (/[。！？.!?]/.test(head[i]!) && (i + 1 >= head.length || /\s/.test(head[i + 1]!) || CJK.test(head[i]!))) return head.slice(0, i + 1).join("") + "…";
  }
  for (let i = head.length - 1; i >= floor; i--) {
    if (/\s/.test(head[i]!)) return head.slice(0, i).join("").trimEnd() + "…";
  }
  return head.join("") + "…";
}
