import type { z } from "zod";
import type { Problem } from "../errors.ts";
import { collectImageRefs } from "../images/refs.ts";
import { parseContentDate } from "../model/fields.ts";
import { IssueFrontMatterSchema, type Issue } from "../model/issue.ts";
import { NewsletterSchema, type Newsletter } from "../model/newsletter.ts";
import { splitFrontMatter } from "./front-matter.ts";
import { hasPlaceholderSyntax, placeholderSyntaxIn, placeholderWarning } from "./placeholder-syntax.ts";
import { stripIllegalChars, stripIllegalInString } from "./sanitize.ts";
import { formatPath, validateSource } from "./validate.ts";
import { parsePlainYaml } from "./plain-yaml.ts";
import { parseYamlSource, type YamlSource } from "./yaml-source.ts";

/** What parsing one file gives: a value, or every problem found; warnings either way. */
export type Parsed<T> = { ok: true; value: T; warnings: Problem[] } | { ok: false; problems: Problem[]; warnings: Problem[] };

/** Parses `content/newsletter.yaml` text. Pure. */
export function parseNewsletter(source: string, file: string): Parsed<Newsletter> {
  const read = (tryPlain: boolean): { parsed: Parsed<Newsletter>; plain: boolean } => {
    const { text, warnings } = clean(source, file);
    const result = parseYaml(text, 1, file, NewsletterSchema, warnings, tryPlain);
    const parsed: Parsed<Newsletter> = "problems" in result ? { ok: false, problems: result.problems, warnings } : { ok: true, value: result.value, warnings };
    return { parsed, plain: result.plain === true };
  };
  // As for issues (below): read the plain way, and by the yaml package only where that finds problems or cannot read it.
  const { parsed, plain } = read(true);
  return parsed.ok || !plain ? parsed : read(false).parsed;
}

/** Parses one `content/issues/*.md` text. Pure. */
export function parseIssue(source: string, file: string, newsletter: Pick<Newsletter, "utc_offset">): Parsed<Issue> {
  const { parsed, plain } = readIssue(source, file, newsletter, true);
  // Problems are told as the yaml package finds and locates them: a text
  // read the plain way that has any is read again by the yaml package.
  return parsed.ok || !plain ? parsed : readIssue(source, file, newsletter, false).parsed;
}

function readIssue(source: string, file: string, newsletter: Pick<Newsletter, "utc_offset">, tryPlain: boolean): { parsed: Parsed<Issue>; plain: boolean } {
  const { text, warnings } = clean(source, file);
  const split = splitFrontMatter(text);
  if ("error" in split) {
    return { parsed: { ok: false, problems: [{ file, path: "", line: split.line, expected: split.error }], warnings }, plain: false };
  }
  const result = parseYaml(split.yaml, split.yamlLine, file, IssueFrontMatterSchema, warnings, tryPlain);
  const plain = result.plain === true;
  // The lead starts after the YAML and the closing fence.
  const leadLine = split.yamlLine + lineCount(split.yaml) + 1;
  if (hasPlaceholderSyntax(split.body)) {
    split.body.split("\n").forEach((line, i) => {
      const found = placeholderSyntaxIn(line);
      if (found.length > 0) warnings.push({ file, path: "lead", line: leadLine + i, expected: placeholderWarning(found) });
    });
  }
  if ("problems" in result) return { parsed: { ok: false, problems: result.problems, warnings }, plain };
  const fm = result.value;
  const date = parseContentDate(fm.date, newsletter.utc_offset);
  const updated = fm.updated ? parseContentDate(fm.updated, newsletter.utc_offset) : date;
  if (updated < date) {
    return {
      parsed: {
        ok: false,
        problems: [{ file, path: "updated", line: result.lineOf(["updated"]), expected: `expected a date on or after date (${fm.date})`, received: JSON.stringify(fm.updated) }],
        warnings,
      },
      plain,
    };
  }
  const images = collectImageRefs(fm, split.body, file, { lineOf: result.lineOf, leadLine });
  return {
    parsed: {
      ok: true,
      value: { ...fm, slug: fm.slug ?? String(fm.number), date, updated, lead: split.body.trim(), file, images, lines: { number: result.lineOf(["number"]), slug: result.lineOf([fm.slug ? "slug" : "number"]) } },
      warnings,
    },
    plain,
  };
}

/** Parsed and validated YAML, or its problems; `plain` when parsePlainYaml read it. */
type YamlResult<T> = { problems: Problem[]; plain?: boolean } | { value: T; lineOf: YamlSource["lineOf"]; plain: boolean };

function parseYaml<S extends z.ZodType>(text: string, firstLine: number, file: string, schema: S, warnings: Problem[], tryPlain = false): YamlResult<z.infer<S>> {
  const plain = tryPlain ? parsePlainYaml(text, firstLine) : undefined;
  const source = plain ?? parseYamlSource(text, firstLine);
  if ("errors" in source) {
    return { problems: source.errors.map((e): Problem => ({ file, path: "", line: e.line, expected: e.message })) };
  }
  if (source.data === null || typeof source.data !== "object" || Array.isArray(source.data)) {
    return {
      problems: [{ file, path: "", line: firstLine, expected: "expected a YAML mapping of fields (key: value lines)", received: Array.isArray(source.data) ? "a list" : String(source.data) }],
    };
  }
  // The plain reader's strings are pieces of the text (its XML-illegal characters already
  // stripped) cut at ASCII characters and joined by spaces or line breaks: none holds such a
  // character, nor placeholder syntax that the text does not hold. Escapes, which only the yaml
  // package reads, can make either.
  if (!plain || hasPlaceholderSyntax(text)) {
    const { removed, placeholders } = checkStrings(source.data);
    for (const hit of removed) {
      warnings.push({ file, path: formatPath(hit.path), line: source.lineOf(hit.path), expected: removedMessage(hit.codePoints) });
    }
    for (const hit of placeholders) {
      warnings.push({ file, path: formatPath(hit.path), line: source.lineOf(hit.path), expected: placeholderWarning(hit.found) });
    }
  }
  const checked = validateSource(schema, source, file);
  return "problems" in checked ? { ...checked, plain: plain !== undefined } : { value: checked.value as z.infer<S>, lineOf: source.lineOf, plain: plain !== undefined };
}

/** How many lines `text` has (as text.split("\n").length counts them). */
function lineCount(text: string): number {
  let count = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

type DataPath = (string | number)[];

/**
 * One walk over every string in parsed data: strips the characters XML
 * cannot carry (in place), then looks for placeholder syntax in what is
 * left. Paths are copied only for a string that has either.
 */
function checkStrings(data: object): { removed: { path: DataPath; codePoints: string[] }[]; placeholders: { path: DataPath; found: string[] }[] } {
  const removed: { path: DataPath; codePoints: string[] }[] = [];
  const placeholders: { path: DataPath; found: string[] }[] = [];
  const at: DataPath = [];
  const visit = (node: object) => {
    const record = node as Record<string | number, unknown>;
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(record);
    for (const key of keys) {
      const value = record[key];
      at.push(key);
      if (typeof value === "string") {
        const stripped = stripIllegalInString(value);
        if (stripped) {
          record[key] = stripped.text;
          removed.push({ path: [...at], codePoints: stripped.codePoints });
        }
        const text = stripped ? stripped.text : value;
        if (hasPlaceholderSyntax(text)) placeholders.push({ path: [...at], found: placeholderSyntaxIn(text) });
      } else if (value !== null && typeof value === "object") {
        visit(value);
      }
      at.pop();
    }
  };
  visit(data);
  return { removed, placeholders };
}

function clean(source: string, file: string): { text: string; warnings: Problem[] } {
  const { text, removed } = stripIllegalChars(source);
  const warnings = removed.map(
    (r): Problem => ({
      file,
      path: "",
      line: r.line,
      expected: removedMessage(r.codePoints),
    }),
  );
  return { text, warnings };
}

function removedMessage(codePoints: string[]): string {
  return `removed ${codePoints.length} character${codePoints.length === 1 ? "" : "s"} that XML cannot carry (${codePoints.join(", ")})`;
}
