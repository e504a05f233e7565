import type { YamlSource } from "./yaml-source.ts";

// A reader for the plain YAML that issue front matter is written in: block
// mappings and lists by indentation, one-line flow lists, one-line quoted
// or plain scalars, and >- / | block scalars. Parsing that with the yaml
// package is most of the time an issue takes (its lexer, parser and
// composer run over every character several times); this reads each line
// once. Whatever it is not sure of, it does not guess at: it returns
// undefined, and the text goes to the yaml package as before. So an anchor,
// a tag, a comment after a value, a tab, an escape, a multi-line plain or
// quoted scalar, a flow mapping, a key that is not a plain word, a
// duplicate key, an empty value and anything else unusual is read by the
// yaml package; only what this reads as the yaml package would is taken.

/** Where a value stands, for lineOf (0-based lines). */
interface Node {
  /** The line the value starts on. */
  line: number;
  /** A mapping's values by key, each with its key's line. */
  pairs?: Map<string, { keyLine: number; node: Node }>;
  items?: Node[];
}

/** Keys YAML reads as something other than that string (null, booleans), and one a JavaScript object cannot hold as a plain property. */
const NOT_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "__proto__"]);
const MAX_KEY = 64;
/** YAML 1.2 core schema: what a plain scalar is other than a string (all but integers and booleans are left to the yaml package). */
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
/** Anything the yaml package treats apart: tabs, CR, BOM, NEL and the Unicode line separators. */
const UNUSUAL = /[\t\r\uFEFF\u0085\u2028\u2029]/;
const MAX_DEPTH = 20;

const SPACE = 32;
const HASH = 35;
const DASH = 45;
const COLON = 58;
const DQUOTE = 34;
const SQUOTE = 39;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const GT = 62;
const PIPE = 124;

/** Characters that start something other than a plain scalar: - ? : , [ ] { } # & * ! | > ' " % @ ` */
const INDICATORS = new Set([..."-?:,[]{}#&*!|>'\"%@`"].map((c) => c.charCodeAt(0)));
/** Characters that end a plain scalar in a flow list, or that this leaves to the yaml package there. */
const FLOW_STOP = new Set([..."[]{}#:\"'"].map((c) => c.charCodeAt(0)));

class NotPlain extends Error {}
const notPlain = new NotPlain();

/**
 * Reads `text` as the yaml package would (YAML 1.2, core schema, unique
 * keys), with each node's line, or returns undefined when the text is not
 * of the plain kind this reads. `firstLine` is the file line of its first line.
 */
export function parsePlainYaml(text: string, firstLine = 1): YamlSource | undefined {
  if (UNUSUAL.test(text)) return undefined;
  const reader = new Reader(text.split("\n"));
  let data: unknown;
  try {
    const start = reader.skip(0);
    if (start >= reader.lines.length || reader.indent(start) !== 0) return undefined;
    data = reader.map(start, 0, 0);
    if (reader.skip(reader.next) < reader.lines.length) return undefined;
  } catch (cause) {
    if (cause instanceof NotPlain) return undefined;
    throw cause;
  }
  const top = reader.node;
  return {
    data,
    lineOf(path) {
      let node = top;
      let line = node.line;
      for (const key of path) {
        if (node.pairs) {
          const pair = node.pairs.get(String(key));
          if (!pair) break;
          line = pair.keyLine;
          node = pair.node;
        } else if (node.items && typeof key === "number" && node.items[key] !== undefined) {
          node = node.items[key]!;
          line = node.line;
        } else {
          break;
        }
      }
      return line + firstLine;
    },
  };
}

/** The end of `line` less its trailing spaces. */
function trimmedEnd(line: string, from: number): number {
  let end = line.length;
  while (end > from && line.charCodeAt(end - 1) === SPACE) end--;
  return end;
}

/** The index after a plain key (a word: letters, digits, _) that starts at `at` and is followed by ":" and a space or the end, else -1. */
function keyEnd(line: string, at: number): number {
  let i = at;
  const first = line.charCodeAt(i);
  if (!((first >= 65 && first <= 90) || (first >= 97 && first <= 122) || first === 95)) return -1;
  for (i++; ; i++) {
    const c = line.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) break;
  }
  if (i - at > MAX_KEY || line.charCodeAt(i) !== COLON) return -1;
  const after = line.charCodeAt(i + 1);
  return after === SPACE || i + 1 === line.length ? i : -1;
}

class Reader {
  /** The node of the value just read, and the line after it. */
  node: Node = { line: 0 };
  next = 0;

  constructor(readonly lines: string[]) {}

  indent(i: number): number {
    const line = this.lines[i]!;
    let n = 0;
    while (line.charCodeAt(n) === SPACE) n++;
    return n;
  }

  /** The first line from `i` on that is neither blank nor a comment. */
  skip(i: number): number {
    for (; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      const n = this.indent(i);
      if (n < line.length && line.charCodeAt(n) !== HASH) return i;
    }
    return i;
  }

  isItem(i: number, n: number): boolean {
    const line = this.lines[i]!;
    return line.charCodeAt(n) === DASH && line.charCodeAt(n + 1) === SPACE;
  }

  /** A block mapping whose keys stand at column `col`, the first on line `i` (perhaps after a list's "- "). */
  map(i: number, col: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) throw notPlain;
    const value: Record<string, unknown> = {};
    const pairs = new Map<string, { keyLine: number; node: Node }>();
    const node: Node = { line: i, pairs };
    for (;;) {
      const line = this.lines[i]!;
      const end = keyEnd(line, col);
      if (end === -1) throw notPlain;
      const key = line.slice(col, end);
      if (NOT_KEYS.has(key) || pairs.has(key)) throw notPlain;
      let at = end + 1;
      while (line.charCodeAt(at) === SPACE) at++;
      if (at === line.length) {
        // The value is a block on the lines below.
        const j = this.skip(i + 1);
        if (j >= this.lines.length) throw notPlain;
        const n = this.indent(j);
        const isItem = this.isItem(j, n);
        if (n > col) value[key] = isItem ? this.seq(j, n, depth + 1) : this.map(j, n, depth + 1);
        else if (n === col && isItem) value[key] = this.seq(j, n, depth + 1);
        else throw notPlain;
      } else {
        value[key] = this.inline(i, at, col, depth);
      }
      pairs.set(key, { keyLine: i, node: this.node });
      i = this.skip(this.next);
      if (i >= this.lines.length) break;
      const n = this.indent(i);
      if (n < col) break;
      if (n > col || this.isItem(i, n)) throw notPlain;
    }
    this.node = node;
    this.next = i;
    return value;
  }

  /** A block list whose "- " stand at column `col`, the first on line `i`. */
  seq(i: number, col: number, depth: number): unknown[] {
    if (depth > MAX_DEPTH) throw notPlain;
    const value: unknown[] = [];
    const items: Node[] = [];
    const first = i;
    for (;;) {
      const line = this.lines[i]!;
      let c = col + 2;
      while (line.charCodeAt(c) === SPACE) c++;
      if (c >= line.length) throw notPlain;
      value.push(keyEnd(line, c) !== -1 ? this.map(i, c, depth + 1) : this.inline(i, c, -1, depth));
      items.push(this.node);
      i = this.skip(this.next);
      if (i >= this.lines.length) break;
      const n = this.indent(i);
      if (n < col) break;
      if (n > col) throw notPlain;
      if (!this.isItem(i, n)) break;
    }
    this.node = { line: first, items };
    this.next = i;
    return value;
  }

  /**
   * A value that starts on line `i` at `at` (after "key: " or "- "): a
   * one-line scalar or flow list, or (after a key at column `col`) a block
   * scalar on the lines below.
   */
  inline(i: number, at: number, col: number, depth: number): unknown {
    const line = this.lines[i]!;
    const first = line.charCodeAt(at);
    this.next = i + 1;
    if (first === DQUOTE || first === SQUOTE) {
      const value = quoted(line, at);
      if (trimmedEnd(line, quotedEnd) !== quotedEnd) throw notPlain;
      this.node = { line: i };
      return value;
    }
    if (first === LBRACKET) {
      if (depth + 1 > MAX_DEPTH) throw notPlain;
      const value = flowList(line, at);
      // Every item is on this line and none has a line of its own to tell: one node serves them all.
      const item: Node = { line: i };
      this.node = { line: i, items: value.map(() => item) };
      return value;
    }
    if ((first === GT || first === PIPE) && col >= 0) return this.blockScalar(i, at, col);
    this.node = { line: i };
    return plainScalar(line, at, trimmedEnd(line, at));
  }

  /** `>`, `>-`, `|` or `|-` after a key at column `col`, its lines indented alike (literal ones may go deeper). */
  blockScalar(i: number, at: number, col: number): string {
    const header = this.lines[i]!;
    const folded = header.charCodeAt(at) === GT;
    const strip = header.charCodeAt(at + 1) === DASH;
    if (trimmedEnd(header, at) !== at + (strip ? 2 : 1)) throw notPlain;
    const first = i + 1;
    if (first >= this.lines.length || this.lines[first] === "") throw notPlain;
    const m = this.indent(first);
    if (m <= col) throw notPlain;
    let value = "";
    let blanks = 0;
    let j = first;
    for (; j < this.lines.length; j++) {
      const line = this.lines[j]!;
      if (line === "") {
        blanks++;
        continue;
      }
      const n = this.indent(j);
      if (n === line.length) throw notPlain; // a line of spaces only
      if (n < m) break;
      if ((n > m && folded) || line.charCodeAt(line.length - 1) === SPACE) throw notPlain;
      if (j > first) value += folded ? (blanks === 0 ? " " : "\n".repeat(blanks)) : "\n".repeat(blanks + 1);
      value += line.slice(m);
      blanks = 0;
    }
    if (!strip) value += "\n";
    this.node = { line: i };
    this.next = j;
    return value;
  }
}

/** Set by quoted(): the index after the closing quote. */
let quotedEnd = 0;

/** A quoted scalar at `start` that closes on its line, without escapes. */
function quoted(text: string, start: number): string {
  const quote = text.charCodeAt(start);
  if (quote === DQUOTE) {
    const end = text.indexOf('"', start + 1);
    if (end === -1) throw notPlain;
    const backslash = text.indexOf("\\", start + 1);
    if (backslash !== -1 && backslash < end) throw notPlain;
    quotedEnd = end + 1;
    return text.slice(start + 1, end);
  }
  let value = "";
  let from = start + 1;
  for (;;) {
    const end = text.indexOf("'", from);
    if (end === -1) throw notPlain;
    value += text.slice(from, end);
    if (text.charCodeAt(end + 1) !== SQUOTE) {
      quotedEnd = end + 1;
      return value;
    }
    value += "'";
    from = end + 2;
  }
}

/** `[a, "b", 'c']` at `start`, on one line, nothing nested, nothing after it. */
function flowList(text: string, start: number): unknown[] {
  const value: unknown[] = [];
  let i = start + 1;
  for (;;) {
    while (text.charCodeAt(i) === SPACE) i++;
    const c = text.charCodeAt(i);
    if (c === RBRACKET && value.length === 0) {
      i++;
      break;
    }
    if (c === DQUOTE || c === SQUOTE) {
      value.push(quoted(text, i));
      i = quotedEnd;
      while (text.charCodeAt(i) === SPACE) i++;
    } else {
      let end = i;
      for (; end < text.length; end++) {
        const e = text.charCodeAt(end);
        if (e === COMMA || e === RBRACKET) break;
        if (FLOW_STOP.has(e)) throw notPlain;
      }
      let itemEnd = end;
      while (itemEnd > i && text.charCodeAt(itemEnd - 1) === SPACE) itemEnd--;
      if (itemEnd === i) throw notPlain;
      value.push(plainScalar(text, i, itemEnd));
      i = end;
    }
    const sep = text.charCodeAt(i);
    i++;
    if (sep === COMMA) continue;
    if (sep !== RBRACKET) throw notPlain;
    break;
  }
  if (trimmedEnd(text, i) !== i) throw notPlain;
  return value;
}

/** The one-line plain scalar text[start, end) (no trailing spaces), as the core schema resolves it. */
function plainScalar(text: string, start: number, end: number): unknown {
  const first = text.charCodeAt(start);
  if (INDICATORS.has(first) || text.charCodeAt(end - 1) === COLON) throw notPlain;
  const colon = text.indexOf(": ", start);
  if (colon !== -1 && colon < end) throw notPlain;
  const comment = text.indexOf(" #", start);
  if (comment !== -1 && comment < end) throw notPlain;
  const value = text.slice(start, end);
  // Only a scalar that starts with a digit, a sign, a dot, a tilde or n, t, f (either case) can be other than a string.
  if ((first >= 48 && first <= 57) || first === 43 || first === 46 || first === 126) {
    if (OTHER_NUMBER.test(value) || NULL.test(value)) throw notPlain;
    if (INT.test(value)) return parseInt(value, 10);
  } else if (end - start <= 5 && "nNtTfF".includes(value[0]!)) {
    if (NULL.test(value)) throw notPlain;
    if (TRUE.test(value)) return true;
    if (FALSE.test(value)) return false;
  }
  return value;
}
