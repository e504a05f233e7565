import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { splitFrontMatter } from "../src/content/front-matter.ts";
import { parseIssue, parseNewsletter } from "../src/content/parse.ts";
import { parsePlainYaml } from "../src/content/plain-yaml.ts";
import { parseYamlSource, type YamlSource } from "../src/content/yaml-source.ts";
import { REPO } from "./helpers/project.ts";

/** Every path in the data, and one past each (a key or an index that is not there). */
function pathsOf(data: unknown, at: PropertyKey[] = []): PropertyKey[][] {
  const out: PropertyKey[][] = [at, [...at, "absent"], [...at, 7]];
  if (data !== null && typeof data === "object") {
    for (const key of Object.keys(data)) out.push(...pathsOf((data as Record<string, unknown>)[key], [...at, Array.isArray(data) ? Number(key) : key]));
  }
  return out;
}

/** The plain reader takes `text`, and reads it as the yaml package does: the same data, in the same key order, and the same line for every path. */
function expectSameAsYaml(text: string, firstLine = 2): void {
  const plain = parsePlainYaml(text, firstLine);
  const yaml = parseYamlSource(text, firstLine) as YamlSource;
  expect(plain, text).toBeDefined();
  expect("errors" in yaml, text).toBe(false);
  expect(JSON.stringify(plain!.data)).toBe(JSON.stringify(yaml.data));
  expect(plain!.data).toStrictEqual(yaml.data);
  for (const p of pathsOf(yaml.data)) expect(plain!.lineOf(p), `${text}\nline of ${String(p.join("."))}`).toBe(yaml.lineOf(p));
}

describe("the plain YAML reader", () => {
  it("reads issue 36's front matter as the yaml package does", async () => {
    const split = splitFrontMatter(await readFile(path.join(REPO, "content/issues/036.md"), "utf8"));
    if ("error" in split) throw new Error(split.error);
    expectSameAsYaml(split.yaml);
  });

  it("reads content/newsletter.yaml as the yaml package does, comments and all, and newsletter.yaml problems still as the yaml package places them", async () => {
    // Builds read newsletter.yaml the plain way now, as they read issues.
    const text = await readFile(path.join(REPO, "content/newsletter.yaml"), "utf8");
    expectSameAsYaml(text, 1);
    const broken = parseNewsletter(text.replace("utc_offset: \"+08:00\"", "utc_offset: 8"), "content/newsletter.yaml");
    expect(broken.ok).toBe(false);
    const line = text.split("\n").findIndex((l) => l.startsWith("utc_offset:")) + 1;
    expect(!broken.ok && broken.problems.map((p) => [p.path, p.line])).toEqual([["utc_offset", line]]);
  });

  it("reads block and flow lists, quoted and block scalars, numbers and booleans as the yaml package does", () => {
    for (const text of [
      "a: 1\nb: +2\nc: 007\nd: true\ne: False\nf: TRUE\ng: 2022-01-17\nh: 12:30\ni: 1,000\nj: x.y\nk: https://example.org/a?b=c#d",
      "t: [a, 'b''c', \"d, e\", 1, x y ,z]\nu: []\nv: [ ]\nw: [中文，标点]",
      "s:\n- a\n- b: 1\n  c: 2\n-   d: 3\n    e: [x]\nt:\n    - 'q'\n    - \"r: s\"",
      "f: >-\n  one\n  two\n\n  three\n\n\n  four\ng: >\n  x\n  y\n\nh: |\n  p\n    q\n\n  r\ni: |-\n  k\n  l\nj: x",
      "# before\na:\n  # between\n  b: c   \n\n  d: e\n# after",
      "title: a [b] {c} d's \"e\" f#g h:i-j",
      "k: 'a # b'\nl: \"a: b\"\nm: '  padded  '",
    ]) {
      expectSameAsYaml(text);
    }
  });

  it("leaves to the yaml package what it does not read", () => {
    for (const text of [
      "a: &x [1]\nb: *x",
      "a: !!str 1",
      "a: b # comment",
      "a:\tb",
      'a: "tab\\tescape"',
      "a: one\n  two",
      "a: 'one\n  two'",
      "a: {b: c}",
      "a: [b, [c]]",
      "a: [b,\n  c]",
      "a b: c",
      "'a': b",
      "a: 1\na: 2",
      "a:\nb: c",
      "null: x",
      "true: x",
      "__proto__: x",
      "a: ~",
      "a: null",
      "a: 1.5",
      "a: 0x1F",
      "a: .inf",
      "a: -1",
      "a: >+\n  x",
      "a: >2\n  x",
      "a: >-\n  x\n    more indented",
      "a: >-\n\n  leading blank",
      "a: >-\n  trailing space \n",
      "- a\n- b",
      "a: b\n- c",
      "a: b\r\nc: d",
      "a: b\u2028c",
      "",
    ]) {
      expect(parsePlainYaml(text), JSON.stringify(text)).toBeUndefined();
    }
  });

  it("leaves an issue with problems to the yaml package, so they read as they always have", () => {
    const text = "---\nnumber: thirty-six\ndate: 2022-03-14\ntitle: Wrong kinds\ndraft: yes\nsections:\n  - title: 论文推荐\n    items:\n      - title: Paper\n        authors: Ada Lovelace\n        summary: Text.\n---\nLead.\n";
    const split = splitFrontMatter(text);
    if ("error" in split) throw new Error(split.error);
    expect(parsePlainYaml(split.yaml, split.yamlLine)).toBeDefined();
    const parsed = parseIssue(text, "content/issues/036.md", { utc_offset: "+08:00" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems.map((p) => [p.path, p.line])).toEqual([
      ["number", 2],
      ["draft", 5],
      ["sections[0].items[0].authors", 10],
    ]);
  });
});
