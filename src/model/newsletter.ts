import { z } from "zod";
import { emailAddress, httpUrl, languageTag, text } from "./fields.ts";

const person = z.strictObject({
  name: text,
  email: emailAddress.optional(),
  url: httpUrl.optional(),
});

const COUNT = "expected a whole number from 1 up";

/** A feed that `gazette draft` reads items from. */
const source = z.strictObject({
  url: httpUrl,
  /** Section title its items are filed under in a draft; defaults to one per language ("新内容", "New"). */
  section: text.optional(),
  /** At most this many new items from this feed per draft. */
  limit: z.number({ error: COUNT }).int({ error: COUNT }).min(1, { error: COUNT }).optional(),
});

/** A feed or archive id: a tag: URI (RFC 4151) or an absolute http(s) URL. */
const feedId = z
  .string({ error: "expected a tag: URI such as tag:example.org,2022:weekly, or an absolute http(s) URL" })
  .trim()
  .regex(/^(tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[^\s]+|https?:\/\/[^\s]+)$/i, {
    error: "expected a tag: URI such as tag:example.org,2022:weekly, or an absolute http(s) URL",
  });

/** `content/newsletter.yaml`: the newsletter itself. */
export const NewsletterSchema = z.strictObject({
  /** The newsletter's name, as readers see it. */
  title: text,
  description: text,
  /** Language of the newsletter's own text (summaries, labels). */
  language: languageTag,
  /** Language of the items' original titles and authors, when it differs. */
  source_language: languageTag.optional(),
  /** Where the archive is published; every absolute link starts here. */
  base_url: httpUrl.transform((url) => (url.endsWith("/") ? url : `${url}/`)),
  /** Stable id of the feed; entry ids are `<id>/issues/<number>` and never change. */
  id: feedId,
  editor: person,
  sender: z.strictObject({ name: text, email: emailAddress }),
  /** Markdown shown at the foot of every page and email. */
  footer: text.optional(),
  postal_address: text.optional(),
  copyright: text.optional(),
  /** Offset applied to bare YYYY-MM-DD dates, e.g. "+08:00". */
  utc_offset: z
    .string({ error: 'expected a UTC offset such as "+08:00"' })
    .regex(/^[+-](0\d|1[0-4]):[0-5]\d$/, { error: 'expected a UTC offset such as "+08:00"' })
    .default("+00:00"),
  feed: z
    .strictObject({
      /** How many of the newest published issues the feeds carry. */
      limit: z.number({ error: "expected a whole number from 1 to 500" }).int().min(1).max(500).default(20),
    })
    .default({ limit: 20 }),
  /** Limits on the image files issues use: a file past one is a problem `gazette check` reports. */
  images: z
    .strictObject({
      /** Largest file, in bytes (default 10 MB). */
      max_bytes: z.number({ error: COUNT }).int({ error: COUNT }).min(1, { error: COUNT }).default(10_000_000),
      /** Most pixels, width × height (default 40 million). */
      max_pixels: z.number({ error: COUNT }).int({ error: COUNT }).min(1, { error: COUNT }).default(40_000_000),
    })
    .default({ max_bytes: 10_000_000, max_pixels: 40_000_000 }),
  /** WebSub (W3C): the hubs every feed names, and that `gazette ping` tells of each changed feed. */
  websub: z
    .strictObject({
      hubs: z.array(httpUrl, { error: "expected a list of hub URLs" }).min(1, { error: "expected at least one hub URL" }),
    })
    .optional(),
  /**
   * Privacy-respecting counts of which links readers followed: off unless
   * `clicks: true`. Links then go through gazette serve's /r/<issue>/<n>.
   */
  analytics: z
    .strictObject({ clicks: z.boolean({ error: "expected true or false" }).default(false) })
    .default({ clicks: false }),
  /** Feeds (RSS, RDF, Atom) that `gazette draft` gathers new items from. Not part of any output. */
  sources: z.array(source, { error: "expected a list of sources, each { url, section?, limit? }" }).default([]),
});

export type Newsletter = z.infer<typeof NewsletterSchema>;
export type Person = z.infer<typeof person>;
