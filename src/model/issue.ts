import { z } from "zod";
import type { ImageRef } from "../images/refs.ts";
import { dateString, httpUrl, languageTag, slug, text, textList } from "./fields.ts";

const links = z.strictObject({
  code: httpUrl.optional(),
  paper: httpUrl.optional(),
  hub: httpUrl.optional(),
  other: z.array(z.strictObject({ label: text, url: httpUrl }), { error: "expected a list of { label, url }" }).optional(),
});

/**
 * A picture: a file beside the issues (a path relative to the issue file,
 * which must stay inside content/) or a remote https URL.
 */
export const FigureSchema = z.strictObject({
  src: text,
  /** What the picture shows, for readers who cannot see it (and inboxes that block images). */
  alt: z.string({ error: "expected alt text: what the image shows, for readers who cannot see it" }).trim().min(1, {
    error: "expected alt text: what the image shows, for readers who cannot see it",
  }),
  caption: text.optional(),
});

/** One recommended paper or news item. */
export const ItemSchema = z.strictObject({
  institutions: textList.default([]),
  /** "and others" after the institutions (等). */
  institutions_et_al: z.boolean({ error: "expected true or false" }).default(false),
  /** The title in its original language. */
  title: text,
  /** The title in the newsletter's language. */
  translation: text.optional(),
  /** Language of `title` and `authors`; defaults to the newsletter's source_language. */
  lang: languageTag.optional(),
  authors: textList.default([]),
  /** "et al." after the authors (等). */
  et_al: z.boolean({ error: "expected true or false" }).default(false),
  /** Markdown; raw HTML is shown as text. */
  summary: text,
  links: links.default({}),
  tags: textList.default([]),
  /** Pictures shown with the item, in order. */
  figures: z.array(FigureSchema, { error: "expected a list of figures, each { src, alt, caption? }" }).default([]),
  /** The feed `gazette draft` found the item in (URL or file), for the editor; no page, feed or email shows it. */
  source: text.optional(),
});

export const SectionSchema = z.strictObject({
  title: text,
  items: z.array(ItemSchema, { error: "expected a list of items" }).min(1, { error: "expected at least one item" }),
});

/** The front matter of `content/issues/*.md`; the Markdown body is the lead. */
export const IssueFrontMatterSchema = z.strictObject({
  number: z.number({ error: "expected a whole number such as 36" }).int({ error: "expected a whole number such as 36" }).min(1, {
    error: "expected a whole number from 1 up",
  }),
  /** URL path segment under issues/; defaults to the number. */
  slug: slug.optional(),
  date: dateString,
  /** When a published issue was corrected; feeds show it as the update time. */
  updated: dateString.optional(),
  title: text,
  /** One or two sentences for feed summaries, previews and the email preheader. */
  summary: text.optional(),
  contributors: textList.default([]),
  tags: textList.default([]),
  draft: z.boolean({ error: "expected true or false" }).default(false),
  /** The picture feeds and shared links show for the issue; defaults to its first figure. */
  image: FigureSchema.optional(),
  sections: z.array(SectionSchema, { error: "expected a list of sections" }).min(1, { error: "expected at least one section" }),
});

export type Item = z.infer<typeof ItemSchema>;
export type Figure = z.infer<typeof FigureSchema>;
export type Section = z.infer<typeof SectionSchema>;
export type IssueFrontMatter = z.infer<typeof IssueFrontMatterSchema>;

/** An issue as the renderers see it: validated, with derived fields filled in. */
export interface Issue extends Omit<IssueFrontMatter, "slug" | "date" | "updated"> {
  slug: string;
  /** Publication instant. */
  date: Date;
  /** Last change; equals `date` unless the front matter says otherwise. */
  updated: Date;
  /** The Markdown body. */
  lead: string;
  /** Path of the source file relative to the project, for messages. */
  file: string;
  /** Every picture the issue uses (figures, image, Markdown images), located for messages. */
  images: ImageRef[];
  /** Lines of the identifying fields in that file, for messages. */
  lines: { number?: number; slug?: number };
}
