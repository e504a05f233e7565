export interface FrontMatterSplit {
  /** The YAML between the fences. */
  yaml: string;
  /** 1-based line of the first YAML line in the file. */
  yamlLine: number;
  /** Everything after the closing fence. */
  body: string;
}

/**
 * Splits `---\n<yaml>\n---\n<markdown>`. Returns a message naming what is
 * missing when the fences are not there.
 */
export function splitFrontMatter(source: string): FrontMatterSplit | { error: string; line: number } {
  const text = source.replace(/^\uFEFF/, "");
  // Without CRs, the parts are slices of the text: it need not be split into lines and joined again.
  if (!text.includes("\r")) return sliceFrontMatter(text);
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== "---") {
    return { error: 'expected the file to start with a "---" line that opens the YAML front matter', line: 1 };
  }
  const close = lines.findIndex((line, i) => i > 0 && line.trimEnd() === "---");
  if (close === -1) {
    // Reported where the front matter opens: the end of the file is where the editor would not look.
    return { error: 'expected a second "---" line that closes the YAML front matter opened here; none follows', line: 1 };
  }
  return {
    yaml: lines.slice(1, close).join("\n"),
    yamlLine: 2,
    body: lines.slice(close + 1).join("\n"),
  };
}

/** splitFrontMatter for a text whose lines all end in LF alone: the same parts, as slices. */
function sliceFrontMatter(text: string): FrontMatterSplit | { error: string; line: number } {
  const lineEnd = (start: number) => {
    const end = text.indexOf("\n", start);
    return end === -1 ? text.length : end;
  };
  const isFence = (start: number, end: number) => text.startsWith("---", start) && text.slice(start, end).trimEnd() === "---";
  const firstEnd = lineEnd(0);
  if (!isFence(0, firstEnd)) {
    return { error: 'expected the file to start with a "---" line that opens the YAML front matter', line: 1 };
  }
  if (firstEnd === text.length) {
    return { error: 'expected a second "---" line that closes the YAML front matter opened here; none follows', line: 1 };
  }
  const yamlStart = firstEnd + 1;
  for (let start = yamlStart; ; start = lineEnd(start) + 1) {
    const end = lineEnd(start);
    if (isFence(start, end)) {
      return {
        yaml: start === yamlStart ? "" : text.slice(yamlStart, start - 1),
        yamlLine: 2,
        body: end === text.length ? "" : text.slice(end + 1),
      };
    }
    if (end === text.length) {
      return { error: 'expected a second "---" line that closes the YAML front matter opened here; none follows', line: 1 };
    }
  }
}
