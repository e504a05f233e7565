// XML 1.0 cannot carry C0 control characters other than tab, LF and CR, nor
// U+FFFE / U+FFFF or lone surrogates; a feed that contains one is not
// well-formed, and readers drop the whole feed. Gazette strips them when it
// reads a file (with a warning naming the line), so nothing downstream ever
// sees one.

const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * Every character ILLEGAL can match, surrogates paired or not: a text
 * without any has nothing to strip. One character class scans several times
 * faster than ILLEGAL's look-arounds.
 */
const MAYBE_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
/** ILLEGAL for a yes-or-no test (no lastIndex to carry between calls). */
const ANY_ILLEGAL = new RegExp(ILLEGAL.source);

function hasIllegalChars(text: string): boolean {
  return MAYBE_ILLEGAL.test(text) && ANY_ILLEGAL.test(text);
}

export interface Removal {
  line: number;
  codePoints: string[];
}

/** Removes XML-illegal characters; reports each line that had any. */
export function stripIllegalChars(source: string): { text: string; removed: Removal[] } {
  // Nearly every file has none: one scan of the whole text says so, without splitting it into lines.
  if (!hasIllegalChars(source)) return { text: source, removed: [] };
  const removed: Removal[] = [];
  const lines = source.split("\n");
  const cleaned = lines.map((line, index) => {
    const found = line.match(ILLEGAL);
    if (!found) return line;
    removed.push({ line: index + 1, codePoints: found.map(codePointName) });
    return line.replace(ILLEGAL, "");
  });
  return { text: removed.length === 0 ? source : cleaned.join("\n"), removed };
}

function codePointName(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Strips XML-illegal characters from one string of parsed data: the
 * code points removed and the string without them, or undefined when it
 * has none. YAML escapes ("\u0001" in a double-quoted scalar) make them
 * after the text-level pass, so both passes are needed.
 */
export function stripIllegalInString(value: string): { text: string; codePoints: string[] } | undefined {
  if (!MAYBE_ILLEGAL.test(value)) return undefined;
  const found = value.match(ILLEGAL);
  return found ? { text: value.replace(ILLEGAL, ""), codePoints: found.map(codePointName) } : undefined;
}
