import type { Issue, Item } from "../model/issue.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { labelsFor, type Labels } from "./labels.ts";
import type { ImageIndex } from "../images/images.ts";
import { createFigureView, type FigureView } from "./figures.ts";
import { markdownToPlainText, markdownToTextParagraphs, renderMarkdown, type TextParagraph } from "./markdown.ts";

// The view model: what every template (page, feed content, email) reads.
// Built once per issue from the validated model; plain data, no I/O.

export interface LinkView {
  kind: "code" | "paper" | "hub" | "other";
  label: string;
  url: string;
}

export interface ItemView {
  /** Position across the whole issue, from 1. */
  index: number;
  /** The item's id on its issue page (see itemAnchors). */
  anchor: string;
  institutions: string;
  title: string;
  /** Language of title and authors. */
  lang: string;
  /** True when `lang` differs from the newsletter's language (needs its own lang attribute). */
  foreign: boolean;
  translation?: string;
  authors: string;
  summaryHtml: string;
  /** The summary as plain text for the email's text part, its links kept (same URLs as summaryHtml). */
  summaryParagraphs: TextParagraph[];
  /** Where the title links to: the hub page, else the paper, else the first link. */
  href?: string;
  links: LinkView[];
  tags: string[];
  /** The tags that have a topic page, with its path below the site root. */
  tagLinks: TagLink[];
  figures: FigureView[];
  /** Every picture of the item, its summary's Markdown images first: for the text part. */
  pictures: FigureView[];
}

/** What lists of items (topic pages) show of one: no Markdown rendered. */
export type ItemHeading = Pick<ItemView, "anchor" | "institutions" | "title" | "lang" | "foreign" | "translation" | "tags">;

export interface TagLink {
  tag: string;
  path?: string;
}

/** What lists and navigation need of an issue: cheap, no Markdown rendering. */
export interface IssueSummary {
  number: number;
  slug: string;
  title: string;
  /** "《预训练周刊》第36期：…" */
  heading: string;
  /** "第36期：…", as feed readers list it. */
  numberedTitle: string;
  numberLabel: string;
  dateText: string;
  /** RFC 3339 */
  dateIso: string;
  updatedIso: string;
  draft: boolean;
  /** Absolute URL of the issue page. */
  url: string;
  /** Path below the site root, e.g. issues/36/ */
  path: string;
  /** Stable id for feeds. */
  id: string;
  /** Plain-text description: the summary, or the lead's first paragraph. */
  description: string;
}

/** The whole issue, as pages, feeds and mail show it. */
export interface IssueView extends IssueSummary {
  leadHtml: string;
  /** The lead as plain text for the email's text part, its links kept (same URLs as leadHtml). */
  leadParagraphs: TextParagraph[];
  sections: { title: string; anchor: string; items: ItemView[] }[];
  contributors: string[];
  /** The contributors as one line: "申德周 翟珂 吴新刚". */
  contributorsText: string;
  tags: string[];
  /** The issue's own tags, linked to their topic pages. */
  tagLinks: TagLink[];
  itemCount: number;
  /** The picture feeds and shared links show: the front matter's image, else the first figure. */
  image?: FigureView;
  /** The lead's Markdown images, for the text part. */
  leadPictures: FigureView[];
}

export function issuePath(issue: Pick<Issue, "slug">): string {
  return `issues/${encodeURIComponent(issue.slug)}/`;
}

export function issueId(newsletter: Newsletter, issue: Pick<Issue, "number">): string {
  return `${newsletter.id}/issues/${issue.number}`;
}

export function createIssueSummary(issue: Issue, newsletter: Newsletter): IssueSummary {
  const labels = labelsFor(newsletter.language);
  const path = issuePath(issue);
  return {
    number: issue.number,
    slug: issue.slug,
    title: issue.title,
    heading: labels.issueHeading(newsletter.title, issue.number, issue.title),
    numberedTitle: labels.numberedTitle(issue.number, issue.title),
    numberLabel: labels.issueNumber(issue.number),
    dateText: labels.date(issue.date, newsletter.utc_offset),
    dateIso: toRfc3339(issue.date),
    updatedIso: toRfc3339(issue.updated),
    draft: issue.draft,
    url: new URL(path, newsletter.base_url).href,
    path,
    id: issueId(newsletter, issue),
    description: issue.summary ?? firstParagraph(issue.lead) ?? issue.title,
  };
}

/** `tagSlugs`: tag → slug of its topic page, for the tags that have one; `images`: the processed pictures. */
export function createIssueView(issue: Issue, newsletter: Newsletter, tagSlugs: Map<string, string> = new Map(), images?: ImageIndex): IssueView {
  const labels = labelsFor(newsletter.language);
  const summary = createIssueSummary(issue, newsletter);
  const url = summary.url;
  // Each picture is made once, and noted in the list of whatever is being rendered (the lead, then each item).
  let pictures: FigureView[] = [];
  const figure = (f: { src: string; alt: string; caption?: string }) => {
    const view = createFigureView(f, issue.file, images, newsletter.base_url);
    pictures.push(view);
    return view;
  };
  const leadHtml = issue.lead === "" ? "" : renderMarkdown(issue.lead, url, figure);
  const leadPictures = pictures;
  const anchors = itemAnchors(issue.sections.flatMap((s) => s.items));
  const tagLinks = (tags: string[]) => tags.map((tag) => ({ tag, path: tagSlugs.has(tag) ? `tags/${encodeURIComponent(tagSlugs.get(tag)!)}/` : undefined }));
  let index = 0;
  const sections = issue.sections.map((section, s) => ({
    title: section.title,
    anchor: `section-${s + 1}`,
    items: section.items.map((item): ItemView => {
      pictures = [];
      // Assigned onto the item, not spread: spreading would make its lazy text paragraphs at once.
      return Object.assign(createItemView(item, ++index, newsletter, labels, url, figure), { anchor: anchors[index - 1]!, tagLinks: tagLinks(item.tags), pictures });
    }),
  }));
  const tags = unique([...issue.tags, ...sections.flatMap((s) => s.items.flatMap((i) => i.tags))]);
  let leadParagraphs: TextParagraph[] | undefined;
  return {
    ...summary,
    leadHtml,
    // Only the email's text part reads the paragraphs: made on first use, so a page costs no second parse.
    get leadParagraphs() {
      return (leadParagraphs ??= markdownToTextParagraphs(issue.lead, url));
    },
    sections,
    contributors: issue.contributors,
    contributorsText: issue.contributors.join(labels.listSeparator === "、" ? " " : ", "),
    tags,
    tagLinks: tagLinks(issue.tags),
    itemCount: index,
    image: issue.image ? createFigureView(issue.image, issue.file, images, newsletter.base_url) : sections.flatMap((s) => s.items.flatMap((i) => i.figures))[0],
    leadPictures,
  };
}

/** Every item of the issue, in order, as lists show it: cheap, for topic pages of a thousand issues. */
export function createItemHeadings(issue: Issue, newsletter: Newsletter): ItemHeading[] {
  const labels = labelsFor(newsletter.language);
  const items = issue.sections.flatMap((s) => s.items);
  const anchors = itemAnchors(items);
  return items.map((item, i) => ({ anchor: anchors[i]!, ...itemHeading(item, newsletter, labels) }));
}

function itemHeading(item: Item, newsletter: Newsletter, labels: Labels): Omit<ItemHeading, "anchor"> {
  const lang = item.lang ?? newsletter.source_language ?? newsletter.language;
  return {
    institutions: item.institutions.join(labels.listSeparator) + (item.institutions_et_al ? labels.etAl : ""),
    title: item.title,
    lang,
    foreign: lang.toLowerCase() !== newsletter.language.toLowerCase(),
    translation: item.translation,
    tags: item.tags,
  };
}

/**
 * Each item's id on its issue page, for links from search results and
 * topic pages: made from its title's Latin letters and digits
 * (`gradmax-growing-neural-networks-using-gradient-information`), so it
 * stays when items are added or moved; `item-<n>` for a title with none,
 * and a `-<n>` suffix for a title another item of the issue already has.
 */
export function itemAnchors(items: Pick<Item, "title">[]): string[] {
  const seen = new Set<string>();
  return items.map((item, i) => {
    const words = item.title.normalize("NFKD").toLowerCase().match(/[a-z0-9]+/g) ?? [];
    const full = words.join("-");
    let anchor = full.length <= 72 ? full : full.slice(0, 73).replace(/-[^-]*$/, "");
    if (anchor === "" || /^(item|section)-\d+$/.test(anchor)) anchor = `item-${i + 1}`;
    if (seen.has(anchor)) anchor = `${anchor}-${i + 1}`;
    seen.add(anchor);
    return anchor;
  });
}

function createItemView(
  item: Item,
  index: number,
  newsletter: Newsletter,
  labels: Labels,
  pageUrl: string,
  figure: (f: { src: string; alt: string; caption?: string }) => FigureView,
): Omit<ItemView, "anchor" | "tagLinks" | "pictures"> {
  const links: LinkView[] = [];
  let paragraphs: TextParagraph[] | undefined;
  for (const kind of ["code", "paper", "hub"] as const) {
    const url = item.links[kind];
    if (url) links.push({ kind, label: labels.links[kind], url });
  }
  for (const other of item.links.other ?? []) links.push({ kind: "other", label: other.label, url: other.url });
  return {
    index,
    ...itemHeading(item, newsletter, labels),
    authors: itemAuthors(item, labels),
    summaryHtml: renderMarkdown(item.summary, pageUrl, figure),
    // As leadParagraphs (createIssueView): for the email's text part only, made on first use.
    get summaryParagraphs() {
      return (paragraphs ??= markdownToTextParagraphs(item.summary, pageUrl));
    },
    href: item.links.hub ?? item.links.paper ?? links[0]?.url,
    links,
    figures: item.figures.map(figure),
  };
}

/** The item's authors as one line: "Utku Evci, Max Vladymyrov 等", "…, et al." in English. */
export function itemAuthors(item: Pick<Item, "authors" | "et_al">, labels: Labels): string {
  const names = item.authors.join(", ");
  return item.et_al && item.authors.length > 0 ? `${names}${labels.etAl === "等" ? "" : " "}${labels.etAl}` : names;
}

/** The first paragraph with words in it: a paragraph that is only a picture describes nothing. */
function firstParagraph(markdown: string): string | undefined {
  for (const paragraph of markdown.split(/\n\s*\n/)) {
    const text = markdownToPlainText(paragraph.replace(/!\[[^\]]*\]\([^)]*\)/g, ""));
    if (text !== "") return text;
  }
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** 2022-01-16T16:00:00Z: seconds precision, UTC. */
export function toRfc3339(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, "Z");
}
