import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkEmailShapes } from "./email-check.ts";
import { hugoIssueFile, hugoVersion, writeHugoSite } from "./hugo.ts";
import { benchPreview } from "./preview.ts";
import { HAVE_GNU_TIME, measure, median, range, type Measured } from "./measure.ts";
import { variant, writeSyntheticArchive } from "./synthetic.ts";

// npm run bench (build part): a synthetic archive of 1,000 issues the size of
// issue 36, built by a fresh `node bin/gazette.js build` process each time,
// timed from spawn to exit (Node's start and imports count, as for an
// editor); and, side by side in the same rounds, the same archive built by
// Hugo (pages and RSS), when Debian's `hugo` is installed.

const REPO = fileURLToPath(new URL("../", import.meta.url));
const COUNT = Number(process.env.BENCH_ISSUES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Row {
  label: string;
  runs: Measured[];
  hugo?: Measured[];
}

export async function benchBuild(log: (line: string) => void): Promise<Row[]> {
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-"));
  const hugoRoot = path.join(root, "hugo-site");
  const hugo = hugoVersion();
  if (!hugo) log("  (Hugo is not installed, so Gazette's figures are printed alone; `apt-get install hugo` to compare)");
  else log(`  side by side with ${hugo.split(" ").slice(0, 2).join(" ")} on the same archive (pages and RSS), ${ROUNDS} interleaved rounds`);
  if (!HAVE_GNU_TIME) log("  (no /usr/bin/time: wall time only; `apt-get install time` for CPU time and peak memory)");
  try {
    await writeSyntheticArchive(REPO, root, COUNT);
    if (hugo) await writeHugoSite(root, hugoRoot);
    const gazette = (what: string) => measure(process.execPath, [path.join(REPO, "bin/gazette.js"), "-C", root, "build"], { cwd: REPO, what });
    const hugoBuild = (what: string) => measure("hugo", ["--quiet", "--source", hugoRoot], { cwd: hugoRoot, what });
    const hugoCold = async () => {
      await rm(path.join(hugoRoot, "public"), { recursive: true, force: true });
      await rm(path.join(hugoRoot, "resources"), { recursive: true, force: true });
      return hugoBuild("hugo cold build");
    };

    const cold: Row = { label: `cold full build, empty dist/ and caches (${COUNT} issues)`, runs: [], hugo: hugo ? [] : undefined };
    for (let round = 0; round < ROUNDS; round++) {
      await emptyDist(root);
      await rm(path.join(root, ".gazette"), { recursive: true, force: true });
      cold.runs.push(gazette("cold build"));
      if (hugo) cold.hugo!.push(await hugoCold());
    }
    if (process.env.BENCH_VERIFY !== "0") log(`  ${await checkEmailShapes(root)}`);

    const cached: Row = { label: "full build into an empty dist/, emails and pages cached", runs: [] };
    const reparsed: Row = { label: "the same with every issue parsed again", runs: [] };
    // What search adds: the cached build with the search index of every paper made afresh.
    const reindexed: Row = { label: "full build into an empty dist/, emails and pages cached, search index made again", runs: [] };
    for (let round = 0; round < ROUNDS; round++) {
      await emptyDist(root);
      cached.runs.push(gazette("cached build"));
      await emptyDist(root);
      await rm(path.join(root, ".gazette/cache/content.v8"), { recursive: true, force: true });
      reparsed.runs.push(gazette("reparse build"));
      await emptyDist(root);
      await rm(path.join(root, ".gazette/cache/search"), { recursive: true, force: true });
      reindexed.runs.push(gazette("reindex build"));
    }
    // Steady state for the rebuilds below, as an editor has it: one more build
    // leaves the retired tree beside dist/ as the next staging folder.
    gazette("warm-up");
    if (hugo) hugoBuild("hugo warm-up");

    // Edit the newest issue: its page, the index, all three feeds, its
    // email and the search index must follow (and Hugo's page and RSS).
    const edited = COUNT;
    const file = path.join(root, "content/issues", `${String(edited).padStart(4, "0")}.md`);
    const template = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
    const date = (await readFile(file, "utf8")).match(/^date: (.*)$/m)![1]!;
    const hugoFile = hugoIssueFile(hugoRoot, edited);
    const edit: Row = { label: "rebuild after editing the newest issue (page, index, feeds, its email, the search index)", runs: [], hugo: hugo ? [] : undefined };
    const idle: Row = { label: "rebuild with nothing changed", runs: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      const marker = `(修订${round})`;
      await writeFile(file, variant(template, edited, date, marker));
      edit.runs.push(gazette("rebuild after an edit"));
      const mustShow = [`issues/${edited}/index.html`, "index.html", "rss.xml", "atom.xml", "feed.json", `emails/${edited}.html`, `emails/${edited}.txt`, `emails/${edited}.json`];
      for (const out of mustShow) {
        if (!(await readFile(path.join(root, "dist", out), "utf8")).includes(marker)) throw new Error(`stale after the edit: dist/${out}`);
      }
      if (!(await searchIndexHas(root, marker))) throw new Error("stale after the edit: dist/search-index/");
      if (hugo) {
        const text = await readFile(hugoFile, "utf8");
        await writeFile(hugoFile, text.replace(/^title: "(?:\(修订\d+\))?/m, `title: "${marker}`));
        edit.hugo!.push(hugoBuild("hugo rebuild"));
        for (const out of [`issues/${edited}/index.html`, "index.xml"]) {
          if (!(await readFile(path.join(hugoRoot, "public", out), "utf8")).includes(marker)) throw new Error(`Hugo stale after the edit: public/${out}`);
        }
      }
      idle.runs.push(gazette("rebuild with nothing changed"));
    }
    const rows: Row[] = [cold, cached, reparsed, reindexed, edit, idle];
    if (process.env.BENCH_PREVIEW !== "0") {
      // Reported, never fatal: the build figures above are printed either way.
      const saves = Math.max(ROUNDS, 2) + 1;
      const times = await benchPreview(REPO, root, edited, saves).catch((err: Error) => err);
      if (times instanceof Error) log(`  gazette preview ${edited}: no reload with the edit (${times.message.split("\n")[0]})`);
      else {
        log(`  gazette preview ${edited}: saving the issue to its preview page reloaded with the edit (headless Chromium):`);
        log(`    first save, right after the preview started: ${times[0]!.toFixed(2)} s; the ${saves - 1} saves after it: ${range(times.slice(1))} s`);
      }
    }
    return rows;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Whether a paper of the search index shows `text` (each issue's papers are a JSON file in its shard), newest shard first. */
async function searchIndexHas(root: string, text: string): Promise<boolean> {
  const shards = JSON.parse(await readFile(path.join(root, "dist/search-index/shards.json"), "utf8")) as string[];
  for (const shard of shards.reverse()) {
    const dir = path.join(root, "dist/search-index", shard);
    for (const name of (await readdir(dir)).filter((n) => n.startsWith("issue-"))) {
      const papers = JSON.parse(await readFile(path.join(dir, name), "utf8")) as Array<{ text: string }>;
      if (papers.some((p) => p.text.includes(text))) return true;
    }
  }
  return false;
}

/** No dist/ and no spare tree beside it: the build makes every folder. */
async function emptyDist(root: string): Promise<void> {
  await rm(path.join(root, "dist"), { recursive: true, force: true });
  await rm(path.join(root, ".gazette-tmp-dist-spare"), { recursive: true, force: true });
}

export function formatRows(rows: Row[]): string {
  const out: string[] = [];
  for (const row of rows) {
    out.push(`  ${row.label}`);
    out.push(`    gazette  ${describe(row.runs)}`);
    if (row.hugo) {
      out.push(`    hugo     ${describe(row.hugo)}`);
      const ratios = row.runs.map((r, i) => r.seconds / row.hugo![i]!.seconds);
      out.push(`    gazette / hugo, wall time, round by round: ${range(ratios)}`);
    }
  }
  return out.join("\n");
}

function describe(runs: Measured[]): string {
  const parts = [`wall ${range(runs.map((r) => r.seconds))} s`];
  if (runs[0]?.cpuSeconds !== undefined) parts.push(`CPU ${range(runs.map((r) => r.cpuSeconds!))} s`);
  if (runs[0]?.maxRssMb !== undefined) parts.push(`peak ${range(runs.map((r) => r.maxRssMb!), 0)} MB`);
  return parts.join(", ");
}

export { median };
