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

interface Node {
  /** 0-based line of the node's start. */
  line: number;
  /** A mapping's pairs by key: the key's line and the value. */
  pairs?: Map<string, { line: number; node: Node }>;
  items?: Node[];
}

interface Value {
  value: unknown;
  node: Node;
  /** The line after the value. */
  next: number;
}

/** A key as issues write them: a plain word (not one that YAML reads as null or a boolean). */
const KEY = /^([A-Za-z_][A-Za-z0-9_]{0,63}):(?: +|$)/;
const NOT_KEYS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "__proto__"]);
/** Characters that start something other than a plain scalar. */
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** YAML 1.2 core schema: what a plain scalar is other than a string. */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OTHER_NUMBER = /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;
/** Anything the yaml package treats apart: tabs, CR, BOM, NEL and the Unicode line separators. */
const UNUSUAL = /[\t\r\uFEFF\u0085\u2028\u2029]/;
const MAX_DEPTH = 20;

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
  let root: Value;
  try {
    const start = reader.skip(0);
    if (start >= reader.lines.length || reader.indent(start) !== 0) return undefined;
    root = reader.map(start, 0, 0);
    if (reader.skip(root.next) < reader.lines.length) return undefined;
  } catch (cause) {
    if (cause instanceof NotPlain) return undefined;
    throw cause;
  }
  const top = root.node;
  return {
    data: root.value,
    lineOf(path) {
      let node = top;
      let line = node.line;
      for (const key of path) {
        const pair = node.pairs?.get(String(key));
        if (node.pairs) {
          if (!pair) break;
          line = pair.line;
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

class Reader {
  constructor(readonly lines: string[]) {}

  indent(i: number): number {
    const line = this.lines[i]!;
    let n = 0;
    while (line.charCodeAt(n) === 32) n++;
    return n;
  }

  /** The first line from `i` on that is neither blank nor a comment. */
  skip(i: number): number {
    for (; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      const n = this.indent(i);
      if (n < line.length && line.charCodeAt(n) !== 35 /* # */) return i;
    }
    return i;
  }

  /** A block mapping whose keys stand at column `col`, the first on line `i` (perhaps after a list's "- "). */
  map(i: number, col: number, depth: number): Value {
    if (depth > MAX_DEPTH) throw notPlain;
    const value: Record<string, unknown> = {};
    const pairs = new Map<string, { line: number; node: Node }>();
    const node: Node = { line: i, pairs };
    for (;;) {
      const rest = this.lines[i]!.slice(col);
      const m = KEY.exec(rest);
      if (!m) throw notPlain;
      const key = m[1]!;
      if (NOT_KEYS.has(key) || pairs.has(key)) throw notPlain;
      const after = rest.slice(m[0].length);
      let entry: Value;
      if (after === "") {
        // The value is a block on the lines below.
        const j = this.skip(i + 1);
        if (j >= this.lines.length) throw notPlain;
        const n = this.indent(j);
        const isItem = this.isItem(j, n);
        if (n > col) entry = isItem ? this.seq(j, n, depth + 1) : this.map(j, n, depth + 1);
        else if (n === col && isItem) entry = this.seq(j, n, depth + 1);
        else throw notPlain;
      } else {
        entry = this.inline(i, after, col, depth);
      }
      value[key] = entry.value;
      pairs.set(key, { line: i, node: entry.node });
      i = this.skip(entry.next);
      if (i >= this.lines.length) break;
      const n = this.indent(i);
      if (n < col) break;
      if (n > col || this.isItem(i, n)) throw notPlain;
    }
    return { value, node, next: i };
  }

  /** A block list whose "- " stand at column `col`, the first on line `i`. */
  seq(i: number, col: number, depth: number): Value {
    if (depth > MAX_DEPTH) throw notPlain;
    const value: unknown[] = [];
    const items: Node[] = [];
    for (;;) {
      const line = this.lines[i]!;
      let c = col + 2;
      while (line.charCodeAt(c) === 32) c++;
      if (c >= line.length) throw notPlain;
      const rest = line.slice(c);
      const item = KEY.test(rest) ? this.map(i, c, depth + 1) : this.inline(i, rest, -1, depth);
      value.push(item.value);
      items.push(item.node);
      i = this.skip(item.next);
      if (i >= this.lines.length) break;
      const n = this.indent(i);
      if (n < col) break;
      if (n > col) throw notPlain;
      if (!this.isItem(i, n)) break;
    }
    return { value, node: { line: items[0]!.line, items }, next: i };
  }

  isItem(i: number, n: number): boolean {
    const line = this.lines[i]!;
    return line.charCodeAt(n) === 45 /* - */ && line.charCodeAt(n + 1) === 32;
  }

  /**
   * A value that starts on line `i` as `text` (after "key: " or "- "):
   * a one-line scalar or flow list, or (after a key at column `col`) a
   * block scalar on the lines below.
   */
  inline(i: number, text: string, col: number, depth: number): Value {
    const first = text.charCodeAt(0);
    if (first === 34 /* " */ || first === 39 /* ' */) {
      const [value, end] = quoted(text, 0);
      if (!onlySpaces(text, end)) throw notPlain;
      return { value, node: { line: i }, next: i + 1 };
    }
    if (first === 91 /* [ */) {
      if (depth + 1 > MAX_DEPTH) throw notPlain;
      return { ...flowList(text, i), next: i + 1 };
    }
    if ((first === 62 /* > */ || first === 124) /* | */ && col >= 0) return this.blockScalar(i, text, col);
    return { value: plainScalar(text.replace(/ +$/, "")), node: { line: i }, next: i + 1 };
  }

  /** `>`, `>-`, `|` or `|-` after a key at column `col`, its lines indented alike (literal ones may go deeper). */
  blockScalar(i: number, header: string, col: number): Value {
    if (!/^[>|]-? *$/.test(header)) throw notPlain;
    const folded = header[0] === ">";
    const strip = header[1] === "-";
    const first = i + 1;
    if (first >= this.lines.length || this.lines[first] === "") throw notPlain;
    const m = this.indent(first);
    if (m <= col) throw notPlain;
    const parts: string[] = [];
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
      if ((n > m && folded) || line.charCodeAt(line.length - 1) === 32) throw notPlain;
      const content = line.slice(m);
      if (parts.length > 0) parts.push(folded ? (blanks === 0 ? " " : "\n".repeat(blanks)) : "\n".repeat(blanks + 1));
      parts.push(content);
      blanks = 0;
    }
    if (!strip) parts.push("\n");
    return { value: parts.join(""), node: { line: i }, next: j };
  }
}

/** A quoted scalar that closes on its line, without escapes: its value and the index after it. */
function quoted(text: string, start: number): [string, number] {
  const quote = text[start]!;
  if (quote === '"') {
    const end = text.indexOf('"', start + 1);
    if (end === -1) throw notPlain;
    const value = text.slice(start + 1, end);
    if (value.includes("\\")) throw notPlain;
    return [value, end + 1];
  }
  let value = "";
  let from = start + 1;
  for (;;) {
    const end = text.indexOf("'", from);
    if (end === -1) throw notPlain;
    value += text.slice(from, end);
    if (text[end + 1] !== "'") return [value, end + 1];
    value += "'";
    from = end + 2;
  }
}

/** `[a, "b", 'c']` on one line, nothing nested. */
function flowList(text: string, line: number): { value: unknown[]; node: Node } {
  const value: unknown[] = [];
  const items: Node[] = [];
  let i = 1;
  for (;;) {
    while (text.charCodeAt(i) === 32) i++;
    if (text[i] === "]" && value.length === 0) {
      i++;
      break;
    }
    const c = text[i];
    if (c === '"' || c === "'") {
      const [item, end] = quoted(text, i);
      value.push(item);
      i = end;
      while (text.charCodeAt(i) === 32) i++;
    } else {
      let end = i;
      while (end < text.length && !",]".includes(text[end]!)) end++;
      const item = text.slice(i, end).replace(/ +$/, "");
      if (item === "" || /[[\]{}#:"']/.test(item)) throw notPlain;
      value.push(plainScalar(item));
      i = end;
    }
    items.push({ line });
    if (text[i] === ",") {
      i++;
      continue;
    }
    if (text[i] !== "]") throw notPlain;
    i++;
    break;
  }
  if (!onlySpaces(text, i)) throw notPlain;
  return { value, node: { line, items } };
}

/** A one-line plain scalar, trailing spaces already off, as the core schema resolves it. */
function plainScalar(text: string): unknown {
  if (INDICATOR.test(text) || text.includes(": ") || text.endsWith(":") || text.includes(" #")) throw notPlain;
  if (NULL.test(text) || OTHER_NUMBER.test(text)) throw notPlain;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (INT.test(text)) return parseInt(text, 10);
  return text;
}

function onlySpaces(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) !== 32) return false;
  return true;
}
