import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { parseNewsletter } from "../src/content/parse.ts";
import { draftLabelsFor } from "../src/draft/labels.ts";
import { labelsFor } from "../src/render/labels.ts";
import { errorWords, serverWords } from "../src/server/words.ts";
import { makeProject, REPO } from "./helpers/project.ts";

// Gazette's own Chinese words use full-width punctuation (，：；？！（）), as
// Chinese text is set; an ASCII mark beside a CJK character is the slip.
// What the editor wrote is theirs: the outputs are checked on a copy of
// issue 36 whose own text has been set the same way first.

const CJK = String.raw`\p{sc=Han}\u3000-\u303f\uff00-\uffef`;
/** An ASCII , : ; ? ! with a CJK character on either side (a space between allowed). */
const SLIP = new RegExp(String.raw`[${CJK}][,:;?!]|[,:;?!] ?[${CJK}]`, "u");
/** An ASCII parenthesis against a CJK character: checked in Gazette's words (the editor's text uses them around Latin terms). */
const PAREN_SLIP = new RegExp(String.raw`[${CJK}][()]|[()][${CJK}]`, "u");
const FULL_WIDTH: Record<string, string> = { ",": "，", ":": "：", ";": "；", "?": "？", "!": "！" };

/** Every slip in a text, each shown with a little of what surrounds it. */
function slips(text: string): string[] {
  const found: string[] = [];
  const all = new RegExp(SLIP.source, "gu");
  for (const m of text.matchAll(all)) found.push(text.slice(Math.max(0, m.index - 12), m.index + m[0].length + 12));
  return found;
}

/** Sample arguments for the words that are functions: none carries punctuation of its own. */
const SAMPLE_ARGS: Record<string, unknown[]> = {
  issueNumber: [36],
  issueHeading: ["预训练周刊", 36, "标题"],
  numberedTitle: [36, "标题"],
  date: [new Date(Date.UTC(2022, 0, 17)), "+08:00"],
  sent: ["reader@example.org"],
  topic: ["多模态"],
  itemCount: [12],
};

/** Every string in a words object, with its dotted name; functions are called with SAMPLE_ARGS. */
function stringsIn(value: unknown, where: string): [string, string][] {
  if (typeof value === "string") return [[where, value]];
  if (typeof value === "function") {
    const args = SAMPLE_ARGS[where.split(".").at(-1)!];
    if (!args) throw new Error(`${where}: a function with no sample arguments; add them to SAMPLE_ARGS`);
    return [[where, String((value as (...a: unknown[]) => unknown)(...args))]];
  }
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, v]) => stringsIn(v, `${where}.${key}`));
  return [];
}

async function newsletter() {
  const parsed = parseNewsletter(await readFile(path.join(REPO, "content/newsletter.yaml"), "utf8"), "content/newsletter.yaml");
  if (!parsed.ok) throw new Error("content/newsletter.yaml does not parse");
  return parsed.value;
}

describe("Gazette's Chinese words", () => {
  it("detect the slips they are checked for", () => {
    const slipped = ["每期发到你的邮箱,随时可以退订。", "订阅源:RSS", "地址: x", "好?", "《预训练周刊》!", "第36期; 标题"];
    expect(slipped.map((text) => slips(text).length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(slips("《预训练周刊》第36期：谷歌，Authors: Ada, Bob. 作者：Ada, Bob")).toEqual([]);
    expect(["有人(希望是你)", "（如果这个地址能收信）", "Someone (we hope you)"].map((text) => PAREN_SLIP.test(text))).toEqual([true, false, false]);
  });

  it("use full-width punctuation in every label, page and mail word", async () => {
    const words = [
      ...stringsIn(labelsFor("zh-CN"), "labels"),
      ...stringsIn(serverWords({ ...(await newsletter()), title: "预训练周刊" }), "server"),
      ...stringsIn(errorWords("zh-CN"), "errors"),
      ...stringsIn(draftLabelsFor("zh-CN"), "draft"),
    ];
    expect(words.length).toBeGreaterThan(60);
    expect(words.filter(([, text]) => SLIP.test(text) || PAREN_SLIP.test(text))).toEqual([]);
  });

  it("use full-width punctuation in the built pages, feeds, emails and text parts", async () => {
    const root = await makeProject("issue-36");
    for (const file of ["content/issues/036.md", "content/newsletter.yaml"]) {
      const editorText = await readFile(path.join(root, file), "utf8");
      expect(slips(editorText).length, file).toBeGreaterThan(0); // the editor's own text is left as written…
      // …so set it as Gazette sets its own before building, and any slip left is Gazette's.
      // (A YAML key's ": " is followed by a space and a value, never set: only marks touching CJK on the left, or on the right with no space.)
      const set = editorText.replace(new RegExp(`(?<=[${CJK}]) ?[,:;?!]|[,:;?!](?=[${CJK}])`, "gu"), (c) => FULL_WIDTH[c.trim()]!);
      await writeFile(path.join(root, file), set);
    }
    await build({ root });
    const files = (await readdir(path.join(root, "dist"), { recursive: true })).filter((f) => /\.(html|txt|xml|json)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(["index.html", "issues/36/index.html", "emails/36.html", "emails/36.txt", "emails/confirm.html", "emails/confirm.txt", "rss.xml", "atom.xml", "feed.json"]));
    const found: string[] = [];
    for (const file of files) {
      // HTML: the text, not the markup, the CSS or the ";" of a character reference.
      const text = (await readFile(path.join(root, "dist", file), "utf8"))
        .replace(/<style[\s\S]*?<\/style>/g, "")
        .replace(/<[^>]+>/g, "")
        .replace(/&#(x[0-9a-f]+|\d+);/gi, (_, n: string) => String.fromCodePoint(n[0] === "x" || n[0] === "X" ? parseInt(n.slice(1), 16) : Number(n)))
        .replace(/&(amp|lt|gt|quot|apos|nbsp);/g, " ");
      for (const slip of slips(text)) found.push(`${file}: ${slip}`);
    }
    expect(found).toEqual([]);
  });
});
