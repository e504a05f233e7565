import { spawnSync } from "node:child_process";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { codeVersion, OUTPUT_DEPENDENCIES, readCodeVersion } from "../src/build/code-version.ts";
import { makeProject, REPO, snapshotTree, tempDir } from "./helpers/project.ts";

// Nothing goes stale: after a change to any input (an issue, a template,
// newsletter.yaml, the version of a package that renders) a rebuild on warm
// caches gives exactly the dist/ a build from scratch gives, and the change
// reaches every output that shows it.

/** The dist/ a build of the same project makes in a fresh folder with no caches. */
async function cleanBuildOf(root: string, options: { codeVersion?: string } = {}): Promise<Map<string, string>> {
  const fresh = await tempDir();
  for (const dir of ["content", "emails"]) await cp(path.join(root, dir), path.join(fresh, dir), { recursive: true }).catch(() => {});
  await build({ root: fresh, ...options });
  return snapshotTree(path.join(fresh, "dist"));
}

/** Three issues (35, 36, 37) of issue 36's size, a project's own emails/, built twice so every cache is warm. */
async function warmProject(): Promise<string> {
  const root = await makeProject("issue-36");
  const source = await readFile(path.join(root, "content/issues/036.md"), "utf8");
  for (const [n, date] of [[35, "2022-01-10"], [37, "2022-01-24"]] as const) {
    await writeFile(path.join(root, `content/issues/0${n}.md`), source.replace("number: 36", `number: ${n}`).replace("date: 2022-01-17", `date: ${date}`));
  }
  await cp(path.join(REPO, "emails"), path.join(root, "emails"), { recursive: true });
  await build({ root });
  await build({ root });
  return root;
}

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(file, "utf8");
  const changed = text.replace(from, to);
  expect(changed, `${file} holds ${from}`).not.toBe(text);
  await writeFile(file, changed);
}

describe("a rebuild after a change equals a build from scratch", () => {
  it("an issue: its page, the index, the feeds and its email show the edit; nothing else is redone", async () => {
    const root = await warmProject();
    await edit(path.join(root, "content/issues/037.md"), /^title: .*$/m, "title: 改过的标题");
    const result = await build({ root });
    const dist = (file: string) => readFile(path.join(root, "dist", file), "utf8");
    for (const file of ["issues/37/index.html", "index.html", "rss.xml", "atom.xml", "feed.json", "emails/37.html", "emails/37.txt", "emails/37.json"]) {
      expect(await dist(file), file).toContain("改过的标题");
    }
    expect(result.emails.filter((e) => e.compiled).map((e) => e.number)).toEqual([37]);
    // Its new text filled the shape the last build compiled: mjml did not run.
    expect(result.mjmlCompiles).toBe(0);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("an item's tag: both topics' pages and feeds, the topic list and the issue follow", async () => {
    const root = await warmProject();
    const before = await snapshotTree(path.join(root, "dist"));
    // Issue 37's optimizer paper moves from 优化器 to a new topic, 新话题.
    await edit(path.join(root, "content/issues/037.md"), "tags: [优化器]", "tags: [新话题]");
    const result = await build({ root });
    const dist = (file: string) => readFile(path.join(root, "dist", file), "utf8");
    expect(await dist("tags/新话题/index.html")).toContain("issues/37/#");
    expect(await dist("tags/新话题/rss.xml")).toContain("/issues/37/");
    expect(await dist("tags/index.html")).toContain("新话题");
    expect(await dist("tags/优化器/index.html")).not.toContain("issues/37/#");
    expect(result.written).toEqual(expect.arrayContaining(["tags/优化器/index.html", "tags/优化器/rss.xml", "tags/优化器/atom.xml", "tags/优化器/feed.json", "issues/37/index.html"]));
    // A topic page lists headings only: another topic's page still holds issue 37's item, and its bytes did not change.
    expect(await dist("tags/机器翻译/index.html")).toContain("issues/37/#");
    expect((await snapshotTree(path.join(root, "dist"))).get("tags/机器翻译/index.html")).toBe(before.get("tags/机器翻译/index.html"));
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("a template: every email follows an edit of a partial", async () => {
    const root = await warmProject();
    await edit(path.join(root, "emails/partials/footer.mjml.hbs"), "{{labels.why}}", "{{labels.why}} 模板改过");
    await edit(path.join(root, "emails/partials/footer.mjml.hbs"), 'font-size="13px"', 'font-size="12px"');
    const result = await build({ root });
    expect(result.emails.every((e) => e.compiled)).toBe(true);
    expect(result.mjmlCompiles).toBe(1); // a new shape, the three issues' one
    for (const n of [35, 36, 37]) {
      const html = await readFile(path.join(root, `dist/emails/${n}.html`), "utf8");
      expect(html).toContain("模板改过");
      expect(html).toContain("font-size:12px");
    }
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("newsletter.yaml: a new title reaches every page, feed and email", async () => {
    const root = await warmProject();
    await edit(path.join(root, "content/newsletter.yaml"), /^title: .*$/m, "title: 新名字周刊");
    await build({ root });
    for (const file of ["index.html", "issues/35/index.html", "issues/36/index.html", "rss.xml", "atom.xml", "feed.json", "emails/35.html", "emails/36.txt", "emails/confirm.html"]) {
      expect(await readFile(path.join(root, "dist", file), "utf8"), file).toContain("新名字周刊");
    }
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("newsletter.yaml, each build a process of its own: the summaries and item headings kept with the parsed issues follow", async () => {
    const root = await warmProject();
    const cli = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), ...args], { cwd: root, encoding: "utf8" });
    // Two builds in their own processes: the second reads the summaries and headings the first kept.
    for (let i = 0; i < 2; i++) expect(cli(["build"]).status).toBe(0);
    // The title is in every summary; the language in every heading's labels and each item's language mark.
    await edit(path.join(root, "content/newsletter.yaml"), /^title: .*$/m, "title: 新名字周刊");
    await edit(path.join(root, "content/newsletter.yaml"), /^language: .*$/m, "language: en");
    const rebuilt = cli(["build"]);
    expect(rebuilt.stderr).toBe("");
    expect(await readFile(path.join(root, "dist/index.html"), "utf8")).toContain("新名字周刊");
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("an issue, each build a process of its own: the feeds take the other issues' entries as kept and the edited one's afresh, from a broken store too", async () => {
    const root = await warmProject();
    const cli = () => spawnSync(process.execPath, [path.join(REPO, "bin/gazette.js"), "build"], { cwd: root, encoding: "utf8" });
    for (let i = 0; i < 2; i++) expect(cli().status).toBe(0);
    const store = path.join(root, ".gazette/cache/feed-entries.v8");
    const kept = await readFile(store);
    // Issue 35's summary is in every feed's entry for it; its page is not what the feeds read.
    await edit(path.join(root, "content/issues/035.md"), /^title: .*$/m, "title: 第一次改过");
    expect(cli().stderr).toBe("");
    for (const file of ["rss.xml", "atom.xml", "feed.json"]) expect(await readFile(path.join(root, "dist", file), "utf8"), file).toContain("第一次改过");
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
    expect(await readFile(store)).not.toEqual(kept);
    // A store that cannot be read is started again: nothing published is wrong for it.
    await writeFile(store, kept.subarray(0, 100));
    await edit(path.join(root, "content/issues/035.md"), "第一次改过", "第二次改过");
    expect(cli().stderr).toBe("");
    expect(await readFile(path.join(root, "dist/rss.xml"), "utf8")).toContain("第二次改过");
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root));
  });

  it("a package version: an update of a package that renders changes the code version, and every output is made again", async () => {
    // The code version of a copy of this package with one dependency's version bumped.
    const copy = await tempDir();
    await cp(path.join(REPO, "src"), path.join(copy, "src"), { recursive: true });
    for (const name of OUTPUT_DEPENDENCIES) {
      await mkdir(path.join(copy, "node_modules", name), { recursive: true });
      await cp(path.join(REPO, "node_modules", name, "package.json"), path.join(copy, "node_modules", name, "package.json"));
    }
    expect(await readCodeVersion(copy)).toBe(await codeVersion());
    const manifest = path.join(copy, "node_modules/mjml/package.json");
    const pkg = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
    await writeFile(manifest, JSON.stringify({ ...pkg, version: `${pkg.version}-next` }));
    const bumped = await readCodeVersion(copy);
    expect(bumped).not.toBe(await codeVersion());

    // Built with it, nothing comes from the caches the old version filled.
    const root = await warmProject();
    const result = await build({ root, codeVersion: bumped });
    expect(result.emails.every((e) => e.compiled)).toBe(true);
    expect(result.pagesRendered).toBe(3);
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(await cleanBuildOf(root, { codeVersion: bumped }));
    await rm(copy, { recursive: true, force: true });
  });
});
