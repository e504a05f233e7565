import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { ContentError } from "../src/errors.ts";
import { invalidFixture, makeProject, REPO, snapshotTree } from "./helpers/project.ts";
import { runCli } from "./helpers/processes.ts";

const CLI = path.join(REPO, "bin/gazette.js");

function manyIssues(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let n = 100; n < 100 + count; n++) {
    const items = Array.from({ length: 12 }, (_, i) => `      - title: Paper ${n}.${i}\n        authors: [A, B]\n        summary: ${"预训练模型的摘要文字。".repeat(30)}\n        links:\n          paper: https://arxiv.org/abs/2201.${String(n * 100 + i).padStart(5, "0")}\n`).join("");
    files[`${n}.md`] = `---\nnumber: ${n}\ndate: 2023-01-01\ntitle: Issue ${n}\nsections:\n  - title: 论文推荐\n    items:\n${items}---\nLead ${n}.\n`;
  }
  return files;
}

/** The dist/ a build of the same content makes in a fresh folder with no caches. */
async function cleanBuildOf(root: string): Promise<Map<string, string>> {
  const fresh = await makeProject("issue-36");
  await rm(path.join(fresh, "content"), { recursive: true });
  await cp(path.join(root, "content"), path.join(fresh, "content"), { recursive: true });
  await build({ root: fresh });
  return snapshotTree(path.join(fresh, "dist"));
}

describe("gazette build", () => {
  it("leaves the previous dist/ exactly as it was when content has an error", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    const mtimeBefore = (await stat(path.join(root, "dist/rss.xml"))).mtimeMs;
    await writeFile(path.join(root, "content/issues/999.md"), await invalidFixture("bad-urls.md"));
    await expect(build({ root })).rejects.toBeInstanceOf(ContentError);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
    expect((await stat(path.join(root, "dist/rss.xml"))).mtimeMs).toBe(mtimeBefore);
    expect((await readdir(root)).sort()).toEqual([".gazette", "content", "dist"]);
  });

  it("survives being killed while writing: dist/ stays the previous build, and the next build completes", async () => {
    const root = await makeProject("issue-36", manyIssues(60));
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    // Change content so that the interrupted build would write different bytes.
    const source = await readFile(path.join(root, "content/issues/101.md"), "utf8");
    await writeFile(path.join(root, "content/issues/100.md"), source.replace("number: 101", "number: 100").replace("Issue 101", "Changed"));
    // Killed as it places the 100th of its 240 files into the staging tree.
    const child = spawn(process.execPath, ["--import", path.join(REPO, "test/helpers/kill-mid-write.js"), CLI, "-C", root, "build"], {
      stdio: "ignore",
      env: { ...process.env, GAZETTE_TEST_KILL_AT_FILE: "100" },
    });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    expect(await exit).toBe("SIGKILL");
    expect(await readdir(root)).toContain(".gazette-tmp-dist-new");
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);

    const result = await build({ root });
    expect(result.written).toContain("issues/100/index.html");
    // The interrupted staging tree was reused: the result equals a build from scratch.
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
    expect((await readdir(root)).sort()).toEqual([".gazette", ".gazette-tmp-dist-spare", "content", "dist"]);
  });

  it("reuses the retired tree for the next build, and still ends equal to a build from scratch", async () => {
    const root = await makeProject("issue-36", manyIssues(5));
    await build({ root });
    await build({ root });
    await rm(path.join(root, "content/issues/102.md"));
    const source = await readFile(path.join(root, "content/issues/101.md"), "utf8");
    await writeFile(path.join(root, "content/issues/200.md"), source.replace("number: 101", "number: 200").replace("Issue 101", "Issue 200"));
    const third = await build({ root });
    // The search index's files are named by their content: those of the removed issue's papers go too.
    expect(third.removed.filter((f) => !f.startsWith("search-index/"))).toEqual(["emails/102.html", "emails/102.json", "emails/102.txt", "issues/102/index.html"]);
    expect(third.removed.filter((f) => f.startsWith("search-index/")).length).toBeGreaterThan(0);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
    const fourth = await build({ root });
    expect(fourth.written).toEqual([]);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
    await expect(stat(path.join(root, "dist/issues/102"))).rejects.toThrow();
  });

  it.each(["content", "content/issues", ".", "..", "data", "emails"])("refuses -o %s, which would replace the project or its sources, and touches nothing", async (out) => {
    const root = await makeProject("issue-36");
    const before = await snapshotTree(root);
    await expect(build({ root, outDir: path.resolve(root, out) })).rejects.toThrow(/a build replaces it whole, and it would replace (the project folder itself|the project's (content|data|emails)\/); choose a folder of its own, such as dist$/);
    expect(await snapshotTree(root)).toEqual(before);
  });

  it("builds onto another file system (copies where it cannot link), and an unchanged rebuild writes nothing", async () => {
    const root = await makeProject("issue-36");
    const elsewhere = await mkdtemp("/dev/shm/gazette-test-");
    try {
      const outDir = path.join(elsewhere, "site");
      expect((await build({ root, outDir })).written.length).toBeGreaterThan(10);
      expect(await snapshotTree(outDir)).toEqual(await cleanBuildOf(root));
      expect((await build({ root, outDir })).written).toEqual([]);
      expect((await readdir(elsewhere)).sort()).toEqual([".gazette-tmp-site-spare", "site"]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("writes only files whose bytes changed, so unchanged files keep their modification time", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const rssBefore = await stat(path.join(root, "dist/rss.xml"));
    await new Promise((r) => setTimeout(r, 20));
    const second = await build({ root });
    expect(second.written).toEqual([]);
    expect((await stat(path.join(root, "dist/rss.xml"))).mtimeMs).toBe(rssBefore.mtimeMs);

    const extra = await readFile(path.join(root, "content/issues/036.md"), "utf8");
    await writeFile(path.join(root, "content/issues/037.md"), extra.replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24"));
    const third = await build({ root });
    expect(third.written).toEqual(expect.arrayContaining(["index.html", "issues/36/index.html", "issues/37/index.html", "rss.xml", "atom.xml", "feed.json"]));
    // Issue 36's email does not depend on its neighbours, nor the confirmation mail on issues: untouched.
    // The search index's shard of issue 36 becomes the shard of issues 36 and 37 (see the shard test below).
    expect(third.written).toContain("search-index/shards.json");
    expect(third.unchanged.filter((f) => !f.startsWith("search-index/"))).toEqual(["assets/search-terms.js", "assets/search.js", "assets/style.css", "emails/36.html", "emails/36.json", "emails/36.txt", "emails/confirm.html", "emails/confirm.json", "emails/confirm.txt", "robots.txt", "search/index.html"]);
  });

  it("indexes the archive for search only when a page changed", async () => {
    const root = await makeProject("issue-36");
    expect((await build({ root })).searchIndexed).toBe(true);
    expect((await build({ root })).searchIndexed).toBe(false);
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("GradMax", "GradMax2"));
    const edited = await build({ root });
    expect(edited.searchIndexed).toBe(true);
    expect(edited.written).toContain("issues/36/index.html");
    expect((await build({ root })).searchIndexed).toBe(false);
  });

  it("re-indexes for search only the shard that holds the edited issue", async () => {
    // Issues 100-102: shards of two issues (100, 101) and one (102).
    const root = await makeProject("issue-36", manyIssues(3));
    await rm(path.join(root, "content/issues/036.md"));
    const first = await build({ root });
    expect(first.search).toEqual({ shards: 2, shardsIndexed: 2, documentsIndexed: 36 });
    const shards = async () => JSON.parse(await readFile(path.join(root, "dist/search-index/shards.json"), "utf8")) as string[];
    const [older, newest] = await shards();
    const before = await snapshotTree(path.join(root, "dist/search-index"));

    const file = path.join(root, "content/issues/102.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("Paper 102.3", "Paper 102.3 revised"));
    const edited = await build({ root });
    expect(edited.search).toEqual({ shards: 2, shardsIndexed: 1, documentsIndexed: 12 });
    const [olderAfter, newestAfter] = await shards();
    expect(olderAfter).toBe(older);
    expect(newestAfter).not.toBe(newest);
    // The other shard's files were neither rewritten nor moved; the newest shard's old folder is gone.
    const after = await snapshotTree(path.join(root, "dist/search-index"));
    const olderFiles = [...before].filter(([f]) => f.startsWith(older!));
    // The shard's papers (ranking), its terms (one file for 24 papers) and each issue's papers as results show them.
    expect(olderFiles.map(([f]) => f.slice(older!.length)).sort()).toEqual(["issue-100.json", "issue-101.json", "shard.json", "terms-0.json"]);
    for (const [f, hash] of olderFiles) expect(after.get(f), f).toBe(hash);
    expect([...after.keys()].some((f) => f.startsWith(newest!))).toBe(false);
    expect(edited.unchanged.filter((f) => f.startsWith(`search-index/${older}`))).toHaveLength(olderFiles.length);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("fails, naming the file, when its cache cannot be written on the writer's thread, and leaves dist/ as it was", async () => {
    // 60 issues: their pages, emails and search shards are far more files than the build writes on its own thread.
    const root = await makeProject("issue-36", manyIssues(60));
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    // A cold cache whose search folder cannot be made: a file stands where it belongs.
    await rm(path.join(root, ".gazette/cache"), { recursive: true });
    await mkdir(path.join(root, ".gazette/cache"), { recursive: true });
    await writeFile(path.join(root, ".gazette/cache/search"), "not a folder");
    await expect(build({ root })).rejects.toThrow(/writing .*\.gazette\/cache\/search\/[0-9a-f]+\.\d+\.[0-9a-z]+\.tmp: ENOTDIR/);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
    // With no spare tree (the first build had no dist/ to retire), it had made its folders ahead: gone with it.
    expect((await readdir(root)).sort()).toEqual([".gazette", "content", "dist"]);
    // Nothing half-written stays in the cache: once the file is gone, a build makes every entry again and ends equal.
    await rm(path.join(root, ".gazette/cache/search"));
    const again = await build({ root });
    expect(again.search.shardsIndexed).toBe(again.search.shards);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
  });

  it("into an empty dist/, publishes no folder that a skeleton left by a failed build holds for other issues", async () => {
    const root = await makeProject("issue-36", manyIssues(3));
    await build({ root });
    const expected = await snapshotTree(path.join(root, "dist"));
    // A build that died after making its folders ahead, for an issue 999 since deleted.
    await rm(path.join(root, "dist"), { recursive: true });
    await mkdir(path.join(root, ".gazette-tmp-dist-skeleton/issues/999"), { recursive: true });
    await mkdir(path.join(root, ".gazette-tmp-dist-skeleton/issues/36"), { recursive: true });
    await build({ root });
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(expected);
    expect((await readdir(path.join(root, "dist/issues"))).sort()).toEqual(["100", "101", "102", "36"]);
    expect((await readdir(root)).sort()).toEqual([".gazette", "content", "dist"]);
  });

  it("reports each cached email's size from the cache's index, and from the files themselves when the index is broken", async () => {
    const root = await makeProject("issue-36");
    const first = await build({ root });
    const bytes = (await stat(path.join(root, "dist/emails/36.html"))).size;
    expect(first.emails[0]!.htmlBytes).toBe(bytes);
    const index = path.join(root, ".gazette/cache/out.sizes.json");
    expect(Object.values(JSON.parse(await readFile(index, "utf8")) as Record<string, number>)).toContain(bytes);
    for (const broken of ["{not json", "[]", JSON.stringify({ [Object.keys(JSON.parse(await readFile(index, "utf8")))[0]!]: "many" })]) {
      await writeFile(index, broken);
      await rm(path.join(root, "dist"), { recursive: true, force: true });
      const again = await build({ root });
      expect(again.emails.map((e) => [e.compiled, e.htmlBytes])).toEqual([[false, bytes]]);
    }
  });

  it("renders nothing again when only the feeds gazette draft reads change", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    await writeFile(path.join(root, "content/newsletter.yaml"), `${await readFile(path.join(root, "content/newsletter.yaml"), "utf8")}sources:\n  - url: https://export.arxiv.org/rss/cs.CL\n`);
    const again = await build({ root });
    expect(again.written).toEqual([]);
    expect(again.emails.map((e) => e.compiled)).toEqual([false]);
    expect(again.pagesRendered).toBe(0);
  });

  it("renders from the templates an earlier build precompiled the very bytes it renders from their sources, and from a broken store too", async () => {
    // Each build in a process of its own: a process compiles a template set once and keeps it.
    const root = await makeProject("issue-36", manyIssues(2));
    const cli = async () => expect((await runCli(["-C", root, "build"], root, process.env)).status).toBe(0);
    await cli();
    const first = await snapshotTree(path.join(root, "dist"));
    const store = path.join(root, ".gazette/cache/templates.json");
    const stored = await stat(store);
    // Nothing cached but the templates: every page, feed and email is made again from them.
    const again = async () => {
      for (const gone of ["out", "content.v8", "search", "shapes"]) await rm(path.join(root, ".gazette/cache", gone), { recursive: true, force: true });
      await rm(path.join(root, "dist"), { recursive: true, force: true });
      await cli();
      expect(await snapshotTree(path.join(root, "dist"))).toEqual(first);
    };
    await again();
    // Every template was found there: none compiled, nothing written.
    expect((await stat(store)).mtimeMs).toBe(stored.mtimeMs);
    await writeFile(store, '[["half');
    await again();
    expect(JSON.parse(await readFile(store, "utf8")).length).toBeGreaterThanOrEqual(11);
  });
});
