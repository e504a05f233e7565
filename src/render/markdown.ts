import MarkdownIt from "markdown-it";

// Markdown with raw HTML off: a <script> in a summary is shown as text.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));

// Links become absolute (feeds and mail are read far from the site) and
// external links carry rel="noopener".
md.renderer.rules.link_open = (tokens, idx, options, env: Record<string, unknown> | undefined, self) => {
  const token = tokens[idx]!;
  const href = token.attrGet("href");
  const baseUrl = env?.baseUrl;
  if (href !== null && typeof baseUrl === "string") {
    try {
      token.attrSet("href", new URL(href, baseUrl).href);
    } catch {
      // markdown-it already refused unsafe schemes; leave anything else as written
    }
  }
  token.attrSet("rel", "noopener");
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Markdown to HTML; relative links resolve against `baseUrl`. */
export function renderMarkdown(text: string, baseUrl: string): string {
  return md.render(text, { baseUrl }).trim();
}

/** Markdown to plain text: for summaries in feeds and previews. */
export function markdownToPlainText(text: string): string {
  const tokens = md.parse(text, {});
  const parts: string[] = [];
  for (const token of tokens) {
    if (token.type === "inline") parts.push((token.children ?? []).map((c) => (c.type === "text" || c.type === "code_inline" || c.type === "image" ? c.content : c.type === "softbreak" ? " " : "")).join(""));
  }
  return parts.join("\n\n").trim();
}
