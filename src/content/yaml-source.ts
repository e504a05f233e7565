import type { Node, parseDocument } from "yaml";
import { yamlPackage } from "./yaml-package.ts";
import { MAX_YAML_ALIASES, MAX_YAML_DEPTH, tooDeepAt } from "./yaml-limits.ts";

/** A parsed YAML text that can tell on which line a field stands. */
export interface YamlSource {
  data: unknown;
  /** 1-based file line of the deepest node on `path` that exists. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export interface YamlSyntaxProblem {
  line: number;
  message: string;
}

/**
 * Parses YAML, keeping positions. `firstLine` is the file line on which the
 * YAML text starts, so that lines point into the file, not the fragment.
 */
export function parseYamlSource(text: string, firstLine = 1): YamlSource | { errors: YamlSyntaxProblem[] } {
  const { LineCounter, parseDocument, visit, isMap, isPair, isScalar, isSeq } = yamlPackage();
  const lineCounter = new LineCounter();
  const tooDeep = (offset: number) => {
    const line = text.slice(0, offset).split("\n").length + firstLine - 1;
    return { errors: [{ line, message: `expected YAML nested at most ${MAX_YAML_DEPTH} levels deep (lists and mappings inside each other); here it goes deeper` }] };
  };
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, version: "1.2" });
  } catch (cause) {
    // Composing recurses once per level: thousands of levels overflow the stack.
    // Only then is the text read again, without recursion, to say where.
    if (!(cause instanceof RangeError)) throw cause;
    return tooDeep(tooDeepAt(text) ?? 0);
  }
  const deep = deeperThanLimitAt(doc.contents);
  if (deep !== undefined) return tooDeep(deep);
  if (doc.errors.length > 0) {
    // Only the first: the parser's later errors are mostly what it made of the text after it
    // (one tab-indented block gives one error per line), and vanish once it is fixed.
    const err = doc.errors[0]!;
    const line = openingLine(text, err.message, lineCounter.linePos(err.pos[0]).line) + firstLine - 1;
    const more = doc.errors.length - 1;
    const rest = more === 0 ? "" : more === 1 ? "; the one later YAML error follows from it" : `; the ${more} later YAML errors follow from it`;
    return { errors: [{ line, message: `${describeYamlError(err.code, err.message)}${rest}` }] };
  }
  const toLine = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (cause) {
    if (!/alias/i.test((cause as Error).message)) throw cause;
    let first: number | undefined;
    visit(doc, { Alias: (_key, node) => void (first ??= node.range?.[0]) });
    const message = `expected YAML whose aliases (*name) repeat at most ${MAX_YAML_ALIASES.toLocaleString("en-US")} values in all; these aliases repeat more (write the values out, or use fewer levels of aliases)`;
    return { errors: [{ line: toLine(first ?? 0), message }] };
  }
  return {
    data,
    lineOf(path) {
      let node: unknown = doc.contents;
      let line = node && (node as Node).range ? toLine((node as Node).range![0]) : undefined;
      for (const key of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
          if (!pair) break;
          if (isScalar(pair.key) && pair.key.range) line = toLine(pair.key.range[0]);
          node = pair.value;
        } else if (isSeq(node) && typeof key === "number" && node.items[key] !== undefined) {
          node = node.items[key];
          const range = (node as Node).range;
          if (range) line = toLine(range[0]);
        } else {
          break;
        }
      }
      return line;
    },
  };
}

/** The offset of the first collection nested deeper than MAX_YAML_DEPTH in a composed document, or undefined. No recursion. */
function deeperThanLimitAt(root: unknown): number | undefined {
  const { isMap, isPair, isSeq } = yamlPackage();
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth + 1 > MAX_YAML_DEPTH) return node.range?.[0] ?? 0;
      for (const item of node.items) {
        if (isPair(item)) stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
        else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/**
 * The yaml parser reports an unclosed quote where the text ran out; the
 * editor needs the line where the quote was opened.
 */
function openingLine(text: string, message: string, line: number): number {
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (!quote) return line;
  const lines = text.split("\n");
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    if (new RegExp(`(^|[:\\-\\[,]\\s*)${quote}`).test(lines[i]!)) return i + 1;
  }
  return line;
}

function describeYamlError(code: string, message: string): string {
  const first = message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return `expected each key once in a mapping (YAML: ${first})`;
  if (code === "TAB_AS_INDENT") return "expected indentation with spaces: YAML does not allow tabs there";
  return `expected valid YAML: ${first.replace(/"quote/, '" quote').replace(/'quote/, "' quote")}`;
}
