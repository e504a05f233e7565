import type { z } from "zod";
import { describeValue, type Problem } from "../errors.ts";
import type { YamlSource } from "./yaml-source.ts";

/**
 * Validates parsed YAML against a schema and turns every zod issue into a
 * Problem with the file, the dotted path, the line and what was received.
 */
export function validateSource<S extends z.ZodType>(
  schema: S,
  source: YamlSource,
  file: string,
  prefix: readonly PropertyKey[] = [],
): { value: z.infer<S> } | { problems: Problem[] } {
  const result = schema.safeParse(source.data);
  if (result.success) return { value: result.data };
  const problems: Problem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({
          file,
          path: formatPath([...prefix, ...path]),
          line: source.lineOf(path),
          expected: unknownKeyMessage(key, known),
        });
      }
      continue;
    }
    const value = valueAt(source.data, issue.path);
    const expected = issue.message.startsWith("expected") ? issue.message : `expected ${issue.message}`;
    problems.push({
      file,
      path: formatPath([...prefix, ...issue.path]),
      line: source.lineOf(issue.path),
      ...(value === undefined ? { expected: `missing; ${expected}` } : { expected, received: describeValue(value) }),
    });
  }
  return { problems };
}

/** sections[0].items[3].links.paper */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node = data;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function unknownKeyMessage(key: string, known: string[]): string {
  const near = known.find((k) => editDistance(k, key) <= Math.max(1, Math.floor(k.length / 4)));
  const hint = near ? `; did you mean "${near}"?` : known.length > 0 ? `; expected one of: ${known.join(", ")}` : "";
  return `unknown key "${key}"${hint}`;
}

/** The keys an object schema accepts at `path` (empty when it cannot tell). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, null]) {
    node = unwrap(node);
    const def = (node as { def?: Record<string, unknown> }).def;
    if (!def) return [];
    if (key === null) return def.type === "object" ? Object.keys(def.shape as object) : [];
    if (def.type === "object") node = (def.shape as Record<string, unknown>)[String(key)];
    else if (def.type === "array") node = def.element;
    else return [];
  }
  return [];
}

function unwrap(node: unknown): unknown {
  let current = node as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  while (current?.def && ["optional", "default", "nullable", "pipe", "prefault"].includes(current.def.type ?? "")) {
    current = (current.def.innerType ?? current.def.in) as typeof current;
  }
  return current;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
