import { describe, expect, it } from "vitest";
import { parseIssue } from "../src/content/parse.ts";

const FILE = "content/issues/037.md";
const HEAD = "---\nnumber: 37\ndate: 2022-01-24\ntitle: 第37期\n";
const parse = (text: string) => parseIssue(text, FILE, { utc_offset: "+08:00" });

describe("YAML that asks too much of the parser", () => {
  it("takes an issue that reuses one anchor 101 times (the yaml package refuses past 100 by default)", () => {
    const uses = Array.from({ length: 101 }, (_, i) => `      - institutions: *google\n        title: "Paper ${i + 2}"\n        summary: 摘要`);
    const first = "      - institutions: &google [谷歌, DeepMind]\n        title: Paper 1\n        summary: 摘要";
    const result = parse(`${HEAD}sections:\n  - title: 论文推荐\n    items:\n${[first, ...uses].join("\n")}\n---\n本期导读。\n`);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const institutions = result.value.sections[0]!.items.map((item) => item.institutions);
    expect(institutions).toHaveLength(102);
    expect(institutions.every((list) => JSON.stringify(list) === JSON.stringify(["谷歌", "DeepMind"]))).toBe(true);
  });

  it("reports exponential alias expansion as a located problem with its limit", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (const [name, inner] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"]]) levels.push(`${name}: &${name} [${Array(10).fill(`*${inner}`).join(", ")}]`);
    levels.push(`f: [${Array(10).fill("*e").join(", ")}]`);
    const result = parse(`${HEAD}${levels.join("\n")}\n---\nlead\n`);
    expect(result).toMatchObject({
      ok: false,
      problems: [{ file: FILE, path: "", line: 6, expected: "expected YAML whose aliases (*name) repeat at most 10,000 values in all; these aliases repeat more (write the values out, or use fewer levels of aliases)" }],
    });
  });

  it("reports a mapping nested 3,000 deep as a located problem with its limit, not a stack overflow", () => {
    const block = `${HEAD}extra:\n${Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i * 2 + 2)}a:`).join("\n")} 1\n---\nlead\n`;
    const flow = `${HEAD}extra: ${"{a: ".repeat(3000)}1${"}".repeat(3000)}\n---\nlead\n`;
    const expected = "expected YAML nested at most 100 levels deep (lists and mappings inside each other); here it goes deeper";
    // The root mapping is level 1 and extra's value (line 6) level 2: level 101 starts on line 105.
    expect(parse(block)).toEqual({ ok: false, problems: [{ file: FILE, path: "", line: 105, expected }], warnings: [] });
    expect(parse(flow)).toEqual({ ok: false, problems: [{ file: FILE, path: "", line: 5, expected }], warnings: [] });
  });

  it("locates the level past the limit the same way however deep the text goes", () => {
    const expected = "expected YAML nested at most 100 levels deep (lists and mappings inside each other); here it goes deeper";
    // 101 levels: one past the limit; 20,000: far past what composing a document can recurse through.
    for (const levels of [100, 150, 20_000]) {
      const block = `${HEAD}extra:\n${Array.from({ length: levels }, (_, i) => `${" ".repeat(i * 2 + 2)}a:`).join("\n")} 1\n---\nlead\n`;
      const flow = `${HEAD}extra: ${"[".repeat(levels)}1${"]".repeat(levels)}\n---\nlead\n`;
      expect(parse(block), `${levels} levels`).toEqual({ ok: false, problems: [{ file: FILE, path: "", line: 105, expected }], warnings: [] });
      expect(parse(flow), `${levels} levels`).toEqual({ ok: false, problems: [{ file: FILE, path: "", line: 5, expected }], warnings: [] });
    }
    // 99 levels under extra (100 with the root): within the limit, so the schema speaks instead.
    const within = parse(`${HEAD}extra:\n${Array.from({ length: 99 }, (_, i) => `${" ".repeat(i * 2 + 2)}a:`).join("\n")} 1\n---\nlead\n`);
    expect(within.ok).toBe(false);
    expect(JSON.stringify(within)).not.toContain("levels deep");
  });
});
