// An email's *shape*: its MJML document with the text it carries taken out.
//
// mjml passes the body of <mj-text>, <mj-title> and <mj-preview> through
// untouched: it copies it into the HTML, and juice, which then inlines the
// <mj-style inline> rules, matches tags and rewrites only style attributes
// (its parser and printer leave entities and text as they found them). So
// the text between tags there, and the values of a few attributes that no
// CSS selector here reads, come out of mjml byte for byte as they went in.
// Two issues whose documents differ only in those runs have the same shape;
// mjml compiles the shape once, with a sentinel standing in for each run,
// and each issue's HTML is the compiled shape with its own runs filled in.
// Everything else (every mj-* tag and attribute, tags, class and style
// attributes, whitespace around the runs) is part of the shape, so a
// template that puts an issue's data anywhere else just gets a shape per
// issue: compiled per issue, as before. Pure.

/** Attributes whose values are carried as runs (no selector or mjml rule reads them). */
const RUN_ATTRIBUTES = new Set(["href", "src", "srcset", "alt", "title", "lang", "cite", "datetime"]);

const RAW_BODY = /(<(mj-text|mj-title|mj-preview)\b[^>]*(?<!\/)>)([\s\S]*?)(<\/\2\s*>)/g;
const BODY_TOKEN = /<!--[\s\S]*?-->|<[a-zA-Z/!?][^>]*>|[^<]+/g;
const ATTRIBUTE = /(\s[a-zA-Z_:][-a-zA-Z0-9_:.]*\s*=\s*)(?:"([^"]*)"|'([^']*)')/g;
const SENTINEL = /gzrun(\d+)x/g;
/**
 * Text juice treats specially wherever it appears (its template "code
 * blocks" and their stand-ins), and markup whose content a parser reads as
 * something other than text: a document with these in a run compiles as it is.
 */
const UNSAFE_RUN = /\{\{|\}\}|<%|%>|JUICE_CODE_BLOCK|gzrun\d/;
const UNSAFE_BODY = /<(?:style|script|textarea|xmp|plaintext|noscript|template|svg|math)\b/i;

export interface EmailShape {
  /** The MJML document with every run replaced by its sentinel. */
  document: string;
  /** The runs, in document order: what fills sentinel i. */
  runs: string[];
}

/** The shape of an MJML document, or undefined when it must be compiled as it is. */
export function parseEmailShape(mjml: string): EmailShape | undefined {
  const runs: string[] = [];
  const hole = (run: string) => `gzrun${runs.push(run) - 1}x`;
  let safe = true;
  const document = mjml.replace(RAW_BODY, (_whole, open: string, _name: string, body: string, close: string) => {
    if (UNSAFE_BODY.test(body)) safe = false;
    const shaped = body.replace(BODY_TOKEN, (token) => {
      if (token.startsWith("<!--")) return token;
      if (token.startsWith("<")) {
        return token.replace(ATTRIBUTE, (attr, lead: string, dq?: string, sq?: string) => {
          const value = dq ?? sq ?? "";
          const name = lead.trim().replace(/\s*=$/, "").toLowerCase();
          if (!RUN_ATTRIBUTES.has(name) || value === "") return attr;
          if (UNSAFE_RUN.test(value)) safe = false;
          const quote = dq === undefined ? "'" : '"';
          return `${lead}${quote}${hole(value)}${quote}`;
        });
      }
      // Text: the white space around it stays in the shape (mjml trims and joins there).
      // (trim's white space is \s's: WhiteSpace and LineTerminator.)
      const start = token.length - token.trimStart().length;
      const end = token.trimEnd().length;
      if (start >= end) return token;
      const core = token.slice(start, end);
      if (UNSAFE_RUN.test(core)) safe = false;
      return `${token.slice(0, start)}${hole(core)}${token.slice(end)}`;
    });
    return `${open}${shaped}${close}`;
  });
  return safe ? { document, runs } : undefined;
}

/** Compiled shape HTML cut at its sentinels: text, then run number and text, and so on. */
export interface CompiledShape {
  parts: string[];
  /** Which run fills the hole after parts[i]. */
  holes: number[];
}

/**
 * Cuts compiled shape HTML at its sentinels, or undefined unless each of
 * the `count` sentinels survived (mjml dropped or altered none). mjml may
 * copy a run (the title is also the head's <title>): each copy is filled.
 */
export function splitCompiledShape(html: string, count: number): CompiledShape | undefined {
  const parts: string[] = [];
  const holes: number[] = [];
  const seen = new Set<number>();
  let last = 0;
  for (const match of html.matchAll(SENTINEL)) {
    const run = Number(match[1]);
    if (run >= count) return undefined;
    seen.add(run);
    holes.push(run);
    parts.push(html.slice(last, match.index));
    last = match.index! + match[0].length;
  }
  if (seen.size !== count) return undefined;
  parts.push(html.slice(last));
  return { parts, holes };
}

/** The compiled shape with an issue's runs in place of the sentinels. */
export function fillEmailShape(shape: CompiledShape, runs: string[]): string {
  let out = shape.parts[0]!;
  for (let i = 0; i < shape.holes.length; i++) out += runs[shape.holes[i]!]! + shape.parts[i + 1]!;
  return out;
}
