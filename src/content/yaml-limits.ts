import { yamlPackage } from "./yaml-package.ts";

// Limits on what a YAML text may ask of the parser, far above what any real
// issue needs (issue 36 nests 7 deep and uses no aliases), so that a hostile
// or broken file gets a located problem instead of a crash.

/** Collections inside collections: sections → items → links → other is 8 deep. */
export const MAX_YAML_DEPTH = 100;
/**
 * Alias uses (`*name`), each weighted by the aliases inside what it repeats
 * (the yaml package's maxAliasCount). Its default, 100, refuses an issue
 * that reuses one anchor 101 times; this still stops exponential expansion.
 */
export const MAX_YAML_ALIASES = 10_000;

/**
 * The offset of the first collection nested deeper than MAX_YAML_DEPTH, or
 * undefined. Reads the parser's concrete syntax tree with a stack of its
 * own: the tree is built without recursion, but turning it into a
 * document recurses once per level and runs out of stack near 3,000.
 */
export function tooDeepAt(text: string): number | undefined {
  const stack: { node: unknown; depth: number }[] = [];
  for (const token of new (yamlPackage().Parser)().parse(text)) stack.push({ node: token, depth: 0 });
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    const token = node as { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown }[] };
    if (Array.isArray(token.items)) {
      if (depth + 1 > MAX_YAML_DEPTH) return token.offset ?? 0;
      for (const item of token.items) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      }
    } else if (token.type === "document") {
      stack.push({ node: token.value, depth });
    }
  }
  return undefined;
}
