import { appendFile, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/cli/main.ts";
import { parseIssue } from "../src/content/parse.ts";
import type { Issue } from "../src/model/issue.ts";
import { FEEDS, startFeedServer } from "./helpers/feed-server.ts";
import { makeProject } from "./helpers/project.ts";

let server: Awaited<ReturnType<typeof startFeedServer>>;
beforeAll(async () => {
  // Well past the --timeout below, which leaves the other sources room on a busy machine.
  server = await startFeedServer({ slowMs: 6_000 });
});
afterAll(() => server.close());

async function gazette(root: string, args: string[]) {
  let stdout = "";
  let stderr = "";
  const status = await run(["-C", root, ...args], { out: (t) => void (stdout += t), err: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

/** The issue-36 project with these feeds under sources: in newsletter.yaml. */
async function projectWithSources(sources: { path: string; section?: string; limit?: number }[]): Promise<string> {
  const root = await makeProject("issue-36");
  const yaml = sources.map((s) => `  - url: ${server.base}${s.path}\n${s.section ? `    section: ${s.section}\n` : ""}${s.limit ? `    limit: ${s.limit}\n` : ""}`).join("");
  await appendFile(path.join(root, "content/newsletter.yaml"), `sources:\n${yaml}`);
  return root;
}

async function readDraft(root: string, file = "content/issues/037-draft.md"): Promise<Issue> {
  const parsed = parseIssue(await readFile(path.join(root, file), "utf8"), file, { utc_offset: "+08:00" });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}

const titles = (issue: Issue) => issue.sections.map((s) => [s.title, s.items.map((i) => i.title)]);
const exists = (file: string) => stat(file).then(() => true, () => false);

describe("gazette draft", () => {
  it("gathers the new items of every feed into the next issue's draft, reports each source, and goes on past the ones that fail", async () => {
    const root = await projectWithSources([
      { path: "/arxiv.rdf", section: "论文推荐" },
      { path: "/papers-hub.atom", section: "论文推荐" },
      { path: "/lab-blog.rss", section: "研究动态" },
      { path: "/zh-digest.xml", section: "研究动态" },
      { path: "/broken.xml" },
      { path: "/slow.xml" },
      { path: "/loop-a" },
      { path: "/huge.xml" },
      { path: "/lab-home.html" },
      { path: "/gone.xml" },
    ]);
    const result = await gazette(root, ["draft", "--date", "2022-01-24", "--timeout", "2"]);
    const b = server.base;
    const row = (p: string, text: string) => `  ${`${b}${p}`.padEnd(b.length + "/papers-hub.atom".length)}  ${text}\n`;
    expect(result.stdout).toBe(
      "sources, items since 2022-01-17 (issue 36):\n" +
        row("/arxiv.rdf", "4 found, 4 new, 1 duplicate, 3 kept") +
        row("/papers-hub.atom", "4 found, 4 new, 3 duplicates, 1 kept") +
        row("/lab-blog.rss", "5 found, 4 new, 1 duplicate, 3 kept") +
        row("/zh-digest.xml", "2 found, 2 new, 0 duplicates, 2 kept") +
        ["/broken.xml", "/slow.xml", "/loop-a", "/huge.xml", "/lab-home.html", "/gone.xml"].map((p) => row(p, "failed (below)")).join("") +
        "wrote content/issues/037-draft.md: issue 37 (draft), 9 items in 2 sections\n",
    );
    expect(result.stderr).toBe(
      "gazette: 6 of 10 sources failed:\n" +
        `  ${b}/broken.xml: malformed XML at line 8, column 11: unexpected close tag\n` +
        `  ${b}/slow.xml: timed out: no complete answer within 2 s\n` +
        `  ${b}/loop-a: too many redirects (more than 5); the last one was to ${b}/loop-a\n` +
        `  ${b}/huge.xml: too large: more than the 5.0 MB limit\n` +
        `  ${b}/lab-home.html: not a feed: an HTML page; it names a feed at ${b}/blog/feed.xml\n` +
        `  ${b}/gone.xml: HTTP 404 Not Found\n`,
    );
    expect(result.status).toBe(0);

    const draft = await readDraft(root);
    expect(draft).toMatchObject({ number: 37, draft: true, title: "【待填写】本期标题", lead: "【待填写】本期导语。" });
    expect(draft.date.toISOString()).toBe("2022-01-23T16:00:00.000Z");
    // GradMax (v1 pdf in issue 36, v3 in the listing, v2 in the hub) is left out; ZeroPrompt and the
    // old-style hep-th paper come once, from the first source that lists them; the older post is not new.
    expect(titles(draft)).toEqual([
      [
        "论文推荐",
        [
          "Language Models as Zero-Shot Planners: Extracting Actionable Knowledge for Embodied Agents",
          "ZeroPrompt: Scaling Prompt-Based Pretraining to 1,000 Tasks Improves Zero-Shot Generalization",
          "Notes on an Old-Style Identifier",
          "LaMDA: Language Models for Dialog Applications",
        ],
      ],
      ["研究动态", ["We released our tokenizer", "Full text only", "Scaling laws, revisited & explained", "中文大模型评测基准 <CUGE>", "悟道·文汇:面向认知的超大规模新型预训练模型"]],
    ]);
    const [papers, news] = draft.sections as [Issue["sections"][0], Issue["sections"][0]];
    expect(papers.items[0]).toMatchObject({
      authors: ["Wenlong Huang", "Pieter Abbeel", "Deepak Pathak", "Igor Mordatch"],
      links: { paper: "https://arxiv.org/abs/2201.07207" },
      source: `${b}/arxiv.rdf`,
    });
    expect(papers.items[0]!.summary).toBe(
      'Can the world knowledge in large language models (LLMs) be used to act in interactive environments? We ground high-level tasks such as "make breakfast" in admissible actions & steps, and show that the plans are executable.',
    );
    expect(papers.items[3]!.links).toEqual({ paper: "https://arxiv.org/abs/2201.08239", other: [{ label: "huggingface.co", url: "https://huggingface.co/papers/2201.08239" }] });
    expect(news.items[0]).toMatchObject({ authors: ["Lab Press"], links: { code: "https://github.com/example-lab/tokenizer" }, summary: "1\\. Not a list: a tokenizer for 100+ languages, \\`fast\\` and \\_simple\\_." });
    const scaling = news.items[2]!;
    expect(scaling.summary).toBe("We revisit scaling laws & find \\*three\\* things \\[so far\\] \\<surprising\\>.\n\nRead the paper and the code. ©2022");
    expect(scaling.summary).not.toMatch(/tracking pixel|color: red/);
    expect(scaling.links).toEqual({
      code: "https://github.com/example-lab/scaling",
      paper: "https://arxiv.org/abs/2201.99999",
      other: [{ label: "Example Lab Blog", url: "https://lab.example.org/blog/scaling-laws-revisited/" }],
    });
    expect(news.items[4]).toMatchObject({
      lang: "zh-CN",
      authors: ["智源编辑部"],
      summary: "本文介绍了一种新的预训练方法,在中文理解与生成任务上均取得了领先结果。\n\n模型参数量达到 1.75 万亿。",
      links: { hub: "https://hub.baai.ac.cn/view/14200" },
    });

    expect(await gazette(root, ["check"])).toEqual({ status: 0, stdout: "content OK: 2 issues (1 draft)\n", stderr: "" });
    const built = await gazette(root, ["build"]);
    expect(built.status).toBe(0);
    const page = await readFile(path.join(root, "dist/issues/37/index.html"), "utf8");
    expect(page).toContain('<meta name="robots" content="noindex">');
    expect(page).toContain("Language Models as Zero-Shot Planners");
    expect(page).not.toContain("tracking pixel");
    // source: is for the editor: no page, email or feed shows it.
    for (const file of ["issues/37/index.html", "emails/37.html", "emails/37.txt"]) expect(await readFile(path.join(root, "dist", file), "utf8")).not.toContain(`${b}/arxiv.rdf`);
    const feed = JSON.parse(await readFile(path.join(root, "dist/feed.json"), "utf8")) as { items: { id: string }[] };
    expect(feed.items.map((i) => i.id)).toEqual(["tag:pretraining-weekly.example.org,2021:weekly/issues/36"]);
    expect(await readFile(path.join(root, "dist/rss.xml"), "utf8")).not.toContain("Zero-Shot Planners");
    // Published, the issue goes into the feeds: still without its sources.
    const draftFile = path.join(root, "content/issues/037-draft.md");
    await writeFile(draftFile, (await readFile(draftFile, "utf8")).replace("draft: true", "draft: false"));
    expect((await gazette(root, ["build"])).status).toBe(0);
    for (const file of ["rss.xml", "atom.xml", "feed.json"]) {
      const text = await readFile(path.join(root, "dist", file), "utf8");
      expect(text).toContain("Zero-Shot Planners");
      expect(text).not.toContain(`${b}/arxiv.rdf`);
    }
  });

  it("takes --since instead of the last issue's date, and --limit items per source, newest first", async () => {
    const root = await projectWithSources([{ path: "/lab-blog.rss" }]);
    const result = await gazette(root, ["draft", "--date", "2022-01-24", "--since", "2022-01-20", "--limit", "1"]);
    expect(result.stdout).toContain("items since 2022-01-20:\n");
    expect(result.stdout).toContain("5 found, 2 new, 0 duplicates, 1 kept (1 more over the limit)\n");
    expect(titles(await readDraft(root))).toEqual([["新内容", ["We released our tokenizer"]]]);

    const older = await projectWithSources([{ path: "/lab-blog.rss", limit: 2 }]);
    await gazette(older, ["draft", "--date", "2022-01-24", "--since", "2022-01-01"]);
    expect(titles(await readDraft(older))).toEqual([["新内容", ["We released our tokenizer", "Full text only"]]]);
  });

  it("leaves out what an earlier issue or draft already has, and never replaces a file without --force", async () => {
    const root = await projectWithSources([{ path: "/arxiv.rdf" }]);
    expect((await gazette(root, ["draft", "--date", "2022-01-24"])).status).toBe(0);
    const file = path.join(root, "content/issues/037-draft.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("【待填写】本期导语。", "编辑写的导语。"));

    const again = await gazette(root, ["draft", "--date", "2022-01-25"]);
    expect(again).toEqual({ status: 1, stdout: "", stderr: "gazette: content/issues/037-draft.md already exists; edit it, or rerun with --force to replace it\n" });
    expect(await readFile(file, "utf8")).toContain("编辑写的导语。");

    // With --force the draft is made again from the feeds: its own items do not count as already published.
    const forced = await gazette(root, ["draft", "--date", "2022-01-25", "--force"]);
    expect(forced.status).toBe(0);
    expect((await readDraft(root)).sections[0]!.items).toHaveLength(3);
    expect(await readFile(file, "utf8")).not.toContain("编辑写的导语。");

    // Published as 037.md, its items are older than the last issue, and already in one even when asked for: nothing is written.
    const published = (await readFile(file, "utf8")).replace("draft: true", "draft: false");
    await writeFile(path.join(root, "content/issues/037.md"), published);
    await rm(file);
    const nothing = await gazette(root, ["draft", "--date", "2022-01-31"]);
    expect(nothing.stdout).toMatch(/4 found, 0 new, 0 duplicates, 0 kept\nnothing new since 2022-01-25 \(issue 37\): no draft written \(--allow-empty writes one with a placeholder item\)\n$/);
    expect(nothing.status).toBe(0);
    const since = await gazette(root, ["draft", "--date", "2022-01-31", "--since", "2022-01-01"]);
    expect(since.stdout).toMatch(/4 found, 4 new, 4 duplicates, 0 kept\nnothing new since 2022-01-01: no draft written/);
    expect(await exists(path.join(root, "content/issues/038-draft.md"))).toBe(false);

    const empty = await gazette(root, ["draft", "--date", "2022-01-31", "--allow-empty"]);
    expect(empty.stdout).toMatch(/wrote content\/issues\/038-draft\.md: issue 38 \(draft\), a placeholder item\n$/);
    expect((await gazette(root, ["check"])).status).toBe(0);
  });

  it("exits 1 and writes nothing when every source fails", async () => {
    const root = await projectWithSources([{ path: "/broken.xml" }, { path: "/gone.xml" }]);
    const result = await gazette(root, ["draft", "--date", "2022-01-24"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `gazette: 2 of 2 sources failed:\n  ${server.base}/broken.xml: malformed XML at line 8, column 11: unexpected close tag\n  ${server.base}/gone.xml: HTTP 404 Not Found\n` +
        "gazette: every source failed; no draft was written\n",
    );
    expect(await exists(path.join(root, "content/issues/037-draft.md"))).toBe(false);
  });

  it("reads local files given with --from, instead of the configured sources", async () => {
    const root = await projectWithSources([{ path: "/gone.xml" }]);
    const file = path.join(FEEDS, "zh-digest.xml");
    const result = await gazette(root, ["draft", "--date", "2022-01-24", "--from", file, "--section", "中文动态"]);
    expect(result.stdout).toBe(`sources, items since 2022-01-17 (issue 36):\n  ${file}  2 found, 2 new, 0 duplicates, 2 kept\nwrote content/issues/037-draft.md: issue 37 (draft), 2 items in 1 section\n`);
    const draft = await readDraft(root);
    expect(titles(draft)).toEqual([["中文动态", ["中文大模型评测基准 <CUGE>", "悟道·文汇:面向认知的超大规模新型预训练模型"]]]);
    expect(draft.sections[0]!.items[0]!.source).toBe(file);
  });

  it("resolves an entry's relative link against the feed and leaves out links that are not web links", async () => {
    const root = await makeProject("issue-36");
    const result = await gazette(root, ["draft", "--from", `${server.base}/feeds/relative-links.atom`, "--from", `${server.base}/zh-digest.xml`]);
    expect(result.status).toBe(0);
    const items = (await readDraft(root)).sections.flatMap((s) => s.items);
    expect(items.find((i) => i.title === "A post linked relative to the feed")!.links.other).toEqual([{ label: "127.0.0.1", url: `${server.base}/posts/1` }]);
    expect(items.find((i) => i.title === "A post whose only link is an address")!.links).toEqual({});
    expect(items.some((i) => i.source === `${server.base}/zh-digest.xml`)).toBe(true);
  });

  it("counts an item as already listed by any of its links, in this run as across runs", async () => {
    // The blog post's summary links arXiv 2201.99999; the listing below has that paper too.
    const root = await makeProject("issue-36");
    await writeFile(
      path.join(root, "listing.rdf"),
      (await readFile(path.join(FEEDS, "arxiv-cs-lg.rdf"), "utf8")).replaceAll("2201.07207", "2201.99999"),
    );
    const result = await gazette(root, ["draft", "--from", `${server.base}/lab-blog.rss`, "--from", path.join(root, "listing.rdf")]);
    expect(result.status).toBe(0);
    const papers = (await readDraft(root)).sections.flatMap((s) => s.items).map((i) => i.links.paper);
    expect(papers.filter((p) => p?.includes("2201.99999"))).toHaveLength(1);
  });

  it("with --force, replaces a draft left half edited and invalid", async () => {
    const root = await makeProject("issue-36");
    expect((await gazette(root, ["new", "--date", "2022-01-24"])).status).toBe(0);
    const file = path.join(root, "content/issues/037-draft.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(/^title: .*$/m, 'title: ""'));
    expect((await gazette(root, ["new", "--force", "--date", "2022-01-24"])).status).toBe(0);
    expect((await gazette(root, ["draft", "--force", "--from", `${server.base}/zh-digest.xml`])).status).toBe(0);
    expect((await gazette(root, ["check"])).status).toBe(0);
  });

  it("says how to add sources when there are none", async () => {
    const root = await makeProject("issue-36");
    expect(await gazette(root, ["draft"])).toEqual({ status: 1, stdout: "", stderr: "gazette: no sources: list feeds under sources: in content/newsletter.yaml, or pass --from URL\n" });
  });
});

describe("gazette new", () => {
  it("writes the next issue, dated, valid, with a placeholder item, and never replaces it without --force", async () => {
    const root = await makeProject("issue-36");
    expect(await gazette(root, ["new", "--date", "2022-01-24"])).toEqual({
      status: 0,
      stdout: "wrote content/issues/037-draft.md: issue 37 (draft), dated 2022-01-24; replace its placeholders, then set draft: false\n",
      stderr: "",
    });
    expect(await readFile(path.join(root, "content/issues/037-draft.md"), "utf8")).toBe(`---
# Issue 37, started by gazette new. Replace everything marked 【待填写】 or 【待替换】,
# then set draft: false to publish it.

number: 37
date: 2022-01-24
title: 【待填写】本期标题
draft: true
sections:
  - title: 论文推荐
    items:
      - title: 【待替换】示例条目
        summary: 【待替换】这是占位条目：换成本期的第一篇推荐，再删去这一条。
---
【待填写】本期导语。
`);
    expect(await gazette(root, ["check"])).toEqual({ status: 0, stdout: "content OK: 2 issues (1 draft)\n", stderr: "" });
    expect((await gazette(root, ["new"])).status).toBe(1);
    expect((await gazette(root, ["new", "--force", "--date", "2022-01-25"])).status).toBe(0);
    expect((await readDraft(root)).date.toISOString()).toBe("2022-01-24T16:00:00.000Z");
  });

  it("refuses a date that is not YYYY-MM-DD, or a day its month does not have", async () => {
    const root = await makeProject("issue-36");
    const result = await gazette(root, ["new", "--date", "2022-02-30"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: option '--date <date>' argument '2022-02-30' is invalid. expected a day that exists: February 2022 has 28 days\n");
    expect((await gazette(root, ["new", "--date", "2022-2-3"])).stderr).toContain("error: option '--date <date>' argument '2022-2-3' is invalid. expected a date as YYYY-MM-DD\n");
  });
});
