import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { ContentError, OutputError } from "../src/errors.ts";
import { makeProject, snapshotTree } from "./helpers/project.ts";

/** Issue 36's items repeated into issue 37 until its file is about `bytes` long. */
async function bigIssue(root: string, bytes: number): Promise<string> {
  const source = await readFile(path.join(root, "content/issues/036.md"), "utf8");
  const front = /^---\n([\s\S]*?)\n---\n/.exec(source)![1]!;
  const items = front.slice(front.indexOf("    items:\n") + 11).split(/\n(?=      - )/);
  const out: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const item = items[i % items.length]!.replace(/^(\s+)title: .*$/m, `$1title: "Item ${i + 1}"`);
    out.push(item);
    size += Buffer.byteLength(item) + 1;
  }
  const head = front.slice(0, front.indexOf("sections:")).replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24");
  const file = path.join(root, "content/issues/037.md");
  await writeFile(file, `---\n${head}sections:\n  - title: 论文推荐\n    items:\n${out.join("\n")}\n---\n导读。\n`);
  return file;
}

describe("input too big for an email, refused as early as its size is known", () => {
  it("a content file over 1 MB is refused before it is read, by name and size, and nothing is built", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    await bigIssue(root, 1.5 * 1024 * 1024);
    const error = await build({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    expect((error as ContentError).problems).toEqual([
      { file: "content/issues/037.md", path: "", expected: "expected a content file of at most 1 MB (an issue's email must stay under Gmail's 102 KB clipping point); this one is 1.5 MB" },
    ]);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
  });

  it("an issue whose text alone is past Gmail's clipping point is refused before mjml compiles it", async () => {
    const root = await makeProject("issue-36");
    await bigIssue(root, 200 * 1024);
    const error = await build({ root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as Error).message).toMatch(
      /^emails\/37\.html: the email's HTML would be at least \d+\.\d KB \(text part \d+\.\d KB\), past Gmail's clipping point of about 102 KB; shorten content\/issues\/037\.md or split it into two issues$/,
    );
  });
});
