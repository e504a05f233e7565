import path from "node:path";
import MarkdownIt from "markdown-it";
import type { IssueFrontMatter } from "../model/issue.ts";

// Where an issue uses a picture: its figures, its `image`, and Markdown
// images in the lead and the summaries. Pure: text in, references out; the
// files themselves are read by ./read.ts.

/** One use of a picture in an issue, located for messages. */
export interface ImageRef {
  /** As written: a path relative to the issue file, or an absolute URL. */
  src: string;
  /** The file it names, relative to the project (content/issues/036/fig.png); absent for a remote URL. */
  file?: string;
  /** A relative path that leads out of content/: refused. */
  outside?: boolean;
  /** Dotted path of the field that holds it. */
  path: string;
  line?: number;
  alt: string;
}

const md = new MarkdownIt({ html: false, linkify: false });

/** Every picture the issue uses, in reading order. */
export function collectImageRefs(
  fm: Pick<IssueFrontMatter, "image" | "sections">,
  lead: string,
  issueFile: string,
  where: { lineOf(path: readonly PropertyKey[]): number | undefined; leadLine: number },
): ImageRef[] {
  const refs: ImageRef[] = [];
  const add = (src: string, alt: string, fieldPath: (string | number)[], line: number | undefined) =>
    refs.push({ ...resolveImageSrc(src, issueFile), src, alt, path: fieldPath.join(".").replace(/\.(\d+)/g, "[$1]"), line });
  if (fm.image) add(fm.image.src, fm.image.alt, ["image", "src"], where.lineOf(["image", "src"]));
  for (const image of markdownImages(lead)) add(image.src, image.alt, ["lead"], where.leadLine + image.line);
  fm.sections.forEach((section, s) =>
    section.items.forEach((item, i) => {
      item.figures.forEach((figure, f) => add(figure.src, figure.alt, ["sections", s, "items", i, "figures", f, "src"], where.lineOf(["sections", s, "items", i, "figures", f, "src"])));
      for (const image of markdownImages(item.summary)) add(image.src, image.alt, ["sections", s, "items", i, "summary"], where.lineOf(["sections", s, "items", i, "summary"]));
    }),
  );
  return refs;
}

/** An absolute URL stays as it is; anything else is a path relative to the issue file. */
export function resolveImageSrc(src: string, issueFile: string): { file?: string; outside?: boolean } {
  if (/^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith("//")) return {};
  let relative = src.split(/[?#]/)[0]!;
  try {
    relative = decodeURI(relative);
  } catch {
    // not percent-encoded after all: take it as written
  }
  const file = path.posix.normalize(path.posix.join(path.posix.dirname(issueFile), relative));
  return file.startsWith("content/") && !file.split("/").includes("..") ? { file } : { outside: true };
}

/** Markdown images (`![alt](src)`), with the 0-based line of the block they are in. */
export function markdownImages(markdown: string): { src: string; alt: string; line: number }[] {
  // markdown-it makes an image only where "![" stands in the text (its
  // inline content is the source's lines, less indentation and markers at
  // their start): without one there is nothing to find, and no need to parse.
  if (!markdown.includes("![")) return [];
  const found: { src: string; alt: string; line: number }[] = [];
  for (const token of md.parse(markdown, {})) {
    if (token.type !== "inline") continue;
    for (const child of token.children ?? []) {
      if (child.type === "image") found.push({ src: String(child.attrGet("src") ?? ""), alt: child.content, line: token.map?.[0] ?? 0 });
    }
  }
  return found;
}
