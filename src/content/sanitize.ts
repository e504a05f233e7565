// XML 1.0 cannot carry C0 control characters other than tab, LF and CR, nor
// U+FFFE / U+FFFF or lone surrogates; a feed that contains one is not
// well-formed, and readers drop the whole feed. Gazette strips them when it
// reads a file (with a warning naming the line), so nothing downstream ever
// sees one.

const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface Removal {
  line: number;
  codePoints: string[];
}

/** Removes XML-illegal characters; reports each line that had any. */
export function stripIllegalChars(source: string): { text: string; removed: Removal[] } {
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
 * Strips XML-illegal characters from every string in parsed data, in place.
 * YAML escapes ("\u0001" in a double-quoted scalar) make them after the
 * text-level pass, so both passes are needed. Returns the paths hit.
 */
export function stripIllegalInData(data: unknown, at: (string | number)[] = []): { path: (string | number)[]; codePoints: string[] }[] {
  if (data === null || typeof data !== "object") return [];
  const hits: { path: (string | number)[]; codePoints: string[] }[] = [];
  const record = data as Record<string | number, unknown>;
  const keys: (string | number)[] = Array.isArray(data) ? data.map((_, i) => i) : Object.keys(record);
  for (const key of keys) {
    const value = record[key];
    const found = typeof value === "string" ? value.match(ILLEGAL) : null;
    if (found) {
      record[key] = (value as string).replace(ILLEGAL, "");
      hits.push({ path: [...at, key], codePoints: found.map(codePointName) });
    } else {
      hits.push(...stripIllegalInData(value, [...at, key]));
    }
  }
  return hits;
}
