import MarkdownIt from "markdown-it";
import type { FigureView } from "./figures.ts";

// Markdown with raw HTML off: a <script> in a summary is shown as text.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));

// Links become absolute (feeds and mail are read far from the site) and
// external links carry rel="noopener".
md.renderer.rules.link_open = (tokens, idx, options, env: Record<string, unknown> | undefined, self) => {
  const token = tokens[idx]!;
  const href = token.attrGet("href");
  const baseUrl = env?.baseUrl;
  if (href !== null && typeof baseUrl === "string") token.attrSet("href", absoluteHref(String(href), baseUrl));
  token.attrSet("rel", "noopener");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** A link's href as the HTML carries it: resolved against `baseUrl`. */
function absoluteHref(href: string, baseUrl: string): string {
  try {
    return new URL(href, baseUrl).href;
  } catch {
    // markdown-it already refused unsafe schemes; leave anything else as written
    return href;
  }
}

// Images: a picture beside the issue becomes its processed file, with its
// size (no layout shift) and a srcset; any image is lazy and absolute.
md.renderer.rules.image = (tokens, idx, options, env: Record<string, unknown> | undefined, self) => {
  const token = tokens[idx]!;
  const alt = self.renderInlineAsText(token.children ?? [], options, env ?? {});
  const src = String(token.attrGet("src") ?? "");
  const figure = typeof env?.figure === "function" ? (env.figure as (f: { src: string; alt: string }) => FigureView)({ src, alt }) : undefined;
  const esc = md.utils.escapeHtml;
  if (!figure) {
    let absolute = src;
    try {
      if (typeof env?.baseUrl === "string") absolute = new URL(src, env.baseUrl).href;
    } catch {
      // leave as written
    }
    return `<img src="${esc(absolute)}" alt="${esc(alt)}" loading="lazy" decoding="async">`;
  }
  // One markup for page, feeds and mail: JPEG or PNG at the email's column width, 2× for sharp screens.
  const size = figure.width ? ` width="${figure.email.width}" height="${figure.email.height}"` : "";
  const srcset = figure.email.srcset ? ` srcset="${esc(figure.email.srcset)}"` : "";
  return `<img src="${esc(figure.email.src)}"${srcset}${size} alt="${esc(figure.alt)}" loading="lazy" decoding="async">`;
};

/**
 * Markdown to HTML; relative links resolve against `baseUrl`. `figure`
 * turns an image's src and alt into the processed picture, if it is one.
 */
export function renderMarkdown(text: string, baseUrl: string, figure?: (image: { src: string; alt: string }) => FigureView): string {
  return md.render(text, { baseUrl, figure }).trim();
}

/** A link in plain text whose words are not its own URL, so a text part must show the URL apart. */
export interface TextLink {
  text: string;
  url: string;
}

/** One paragraph (or list item, or heading) of plain text: runs of text and links. */
export type TextParagraph = (string | TextLink)[];

/**
 * Markdown to plain-text paragraphs that keep their links: a link whose
 * text is its own URL (a bare or <autolinked> URL) stays plain text; any
 * other becomes a TextLink with the absolute URL the HTML links to.
 */
export function markdownToTextParagraphs(text: string, baseUrl: string): TextParagraph[] {
  const paragraphs: TextParagraph[] = [];
  for (const token of md.parse(text, {})) {
    if (token.type !== "inline") continue;
    const runs: TextParagraph = [];
    let link: TextLink | undefined;
    for (const c of token.children ?? []) {
      if (c.type === "link_open") {
        link = { text: "", url: absoluteHref(String(c.attrGet("href") ?? ""), baseUrl) };
      } else if (c.type === "link_close" && link) {
        runs.push(link.text.trim() === link.url ? link.text : link);
        link = undefined;
      } else {
        const piece = c.type === "text" || c.type === "code_inline" || c.type === "image" ? c.content : c.type === "softbreak" ? " " : "";
        if (link) link.text += piece;
        else runs.push(piece);
      }
    }
    if (runs.some((r) => typeof r !== "string" || r.trim() !== "")) paragraphs.push(mergeStrings(runs));
  }
  return paragraphs;
}

/** Markdown to plain text, links as their words: for summaries in feeds and previews. */
export function markdownToPlainText(text: string): string {
  return md
    .parse(text, {})
    .filter((token) => token.type === "inline")
    .map((token) => (token.children ?? []).map((c) => (c.type === "text" || c.type === "code_inline" || c.type === "image" ? c.content : c.type === "softbreak" ? " " : "")).join(""))
    .join("\n\n")
    .trim();
}

function mergeStrings(runs: TextParagraph): TextParagraph {
  const out: TextParagraph = [];
  for (const run of runs) {
    const last = out[out.length - 1];
    if (typeof run === "string" && typeof last === "string") out[out.length - 1] = last + run;
    else out.push(run);
  }
  return out;
}
