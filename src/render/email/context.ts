import { shorten } from "../../errors.ts";
import type { Newsletter } from "../../model/newsletter.ts";
import { markdownToTextParagraphs, type TextParagraph } from "../markdown.ts";
import { isChinese, isCjk, type Labels } from "../labels.ts";
import type { IssueSummary, IssueView } from "../view.ts";
import type { SiteView } from "../web/archive.ts";
import { ISSUE_PLACEHOLDERS as PLACEHOLDERS } from "./placeholders.ts";

/**
 * Fonts for every text element, CJK faces first (their Latin is fine, and
 * Outlook does not fall back per glyph); kept short, as it is inlined on
 * every element.
 */
export const EMAIL_FONT_STACK = "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif";

export interface EmailLabels {
  viewInBrowser: string;
  why: string;
  unsubscribe: string;
  authors: string;
  colon: string;
  /** Names a picture in the text part: "图:…" / "Figure: …". */
  figure: string;
}

/** What the email templates and the text part read. Pure data. */
export interface EmailContext {
  site: SiteView;
  issue: IssueView;
  labels: EmailLabels;
  subject: string;
  preheader: string;
  fontStack: string;
  postalAddress?: string;
  /** The newsletter's footer as text with its links, for the text part (the HTML has site.footerHtml). */
  footerParagraphs: TextParagraph[];
  placeholders: typeof PLACEHOLDERS;
}

/** `placeholders`: what the templates write for per-reader values (the tokens, or one-off markers: see placeholders.ts). */
export function createEmailContext(issue: IssueView, site: SiteView, newsletter: Newsletter, placeholders: typeof PLACEHOLDERS = PLACEHOLDERS): EmailContext {
  return {
    site,
    issue,
    labels: emailLabels(site.labels, newsletter, placeholders),
    ...emailHeadline(issue, newsletter),
    fontStack: EMAIL_FONT_STACK,
    postalAddress: newsletter.postal_address,
    footerParagraphs: newsletter.footer ? markdownToTextParagraphs(newsletter.footer, newsletter.base_url) : [],
    placeholders,
  };
}

/** Subject and inbox preview line, from the issue's summary alone. */
export function emailHeadline(issue: IssueSummary, newsletter: Newsletter): { subject: string; preheader: string } {
  return { subject: issue.heading, preheader: preheaderOf(issue.description, newsletter.language) };
}

function emailLabels(labels: Labels, newsletter: Newsletter, placeholders: typeof PLACEHOLDERS): EmailLabels {
  const zh = isChinese(newsletter.language);
  return {
    viewInBrowser: zh ? "在浏览器中查看" : "View in your browser",
    why: zh
      ? `你收到这封邮件，是因为 ${placeholders.email} 订阅了《${newsletter.title}》。`
      : `You are receiving this because ${placeholders.email} subscribed to ${newsletter.title}.`,
    unsubscribe: zh ? "退订" : "Unsubscribe",
    authors: labels.authors,
    colon: labels.colon,
    figure: zh ? "图" : "Figure",
  };
}

/** The inbox preview line: the description, cut at about 110 display characters. */
function preheaderOf(description: string, language: string): string {
  return shorten(description.replace(/\s+/g, " ").trim(), isCjk(language) ? 70 : 110);
}
