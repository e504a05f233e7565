import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { variant, writeSyntheticArchive } from "./synthetic.ts";

// npm run bench (build part): a synthetic archive of 1,000 issues the size of
// issue 36, built by a fresh `node bin/gazette.js build` process each time,
// timed from spawn to exit (Node's start and imports count, as for an editor).

const REPO = fileURLToPath(new URL("../", import.meta.url));
const COUNT = Number(process.env.BENCH_ISSUES ?? 1000);

interface Run {
  label: string;
  seconds: number;
  maxRssMb: number;
}

function buildOnce(root: string, label: string): Run {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ["--import", path.join(REPO, "bench/report-rss.js"), path.join(REPO, "bin/gazette.js"), "-C", root, "build"], {
    cwd: REPO,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (child.status !== 0) throw new Error(`${label}: build failed\n${child.stderr}`);
  const usage = JSON.parse(child.stderr.trim().split("\n").pop()!) as { maxRssMb: number };
  return { label, seconds, maxRssMb: usage.maxRssMb };
}

export async function benchBuild(): Promise<Run[]> {
  const root = await mkdtemp(path.join(tmpdir(), "gazette-bench-"));
  try {
    await writeSyntheticArchive(REPO, root, COUNT);
    const runs: Run[] = [];
    runs.push(buildOnce(root, `full build, empty dist/ and cache (${COUNT} issues)`));
    await emptyDist(root);
    runs.push(buildOnce(root, "full build, empty dist/, emails and pages cached"));
    await emptyDist(root);
    await rm(path.join(root, ".gazette/cache/content.v8"));
    runs.push(buildOnce(root, "the same, every issue parsed again"));
    // What search adds: the same cached build, with the Pagefind index made afresh.
    await emptyDist(root);
    await rm(path.join(root, ".gazette/cache/search"), { recursive: true, force: true });
    runs.push(buildOnce(root, "full build, emails and pages cached, search index made again"));
    // Steady state for the rebuilds below, as an editor has it: one more build
    // leaves the retired tree beside dist/ as the next staging folder.
    buildOnce(root, "warm-up");
    // Edit the newest issue: its page, the index, all three feeds, its
    // email and the search index must follow. Three rounds; the median is reported, as this
    // machine's timings wander by a few tenths of a second.
    const edited = COUNT;
    const file = path.join(root, "content/issues", `${String(edited).padStart(4, "0")}.md`);
    const template = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
    const date = (await readFile(file, "utf8")).match(/^date: (.*)$/m)![1]!;
    const edits: Run[] = [];
    const idle: Run[] = [];
    for (const round of [1, 2, 3]) {
      const marker = `(修订${round})`;
      await writeFile(file, variant(template, edited, date, marker));
      edits.push(buildOnce(root, "rebuild after editing one issue (median of 3)"));
      const mustShow = [`issues/${edited}/index.html`, "index.html", "rss.xml", "atom.xml", "feed.json", `emails/${edited}.html`, `emails/${edited}.txt`, `emails/${edited}.json`];
      for (const out of mustShow) {
        if (!(await readFile(path.join(root, "dist", out), "utf8")).includes(marker)) throw new Error(`stale after the edit: dist/${out}`);
      }
      if (!(await searchIndexHas(root, marker))) throw new Error("stale after the edit: dist/pagefind/");
      idle.push(buildOnce(root, "rebuild with nothing changed (median of 3)"));
    }
    runs.push(median(edits), median(idle));
    return runs;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Whether a fragment of the search index holds `text` (fragments are gzipped JSON behind a signature). */
async function searchIndexHas(root: string, text: string): Promise<boolean> {
  const dir = path.join(root, "dist/pagefind/fragment");
  for (const name of await readdir(dir)) {
    const bytes = gunzipSync(await readFile(path.join(dir, name)));
    if (bytes.toString("utf8").includes(text)) return true;
  }
  return false;
}

function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

/** No dist/ and no spare tree beside it: the build makes every folder. */
async function emptyDist(root: string): Promise<void> {
  await rm(path.join(root, "dist"), { recursive: true, force: true });
  await rm(path.join(root, ".gazette-tmp-dist-spare"), { recursive: true, force: true });
}

export function formatRuns(runs: Run[]): string {
  const width = Math.max(...runs.map((r) => r.label.length));
  return runs.map((r) => `  ${r.label.padEnd(width)}  ${r.seconds.toFixed(2).padStart(6)} s  ${String(r.maxRssMb).padStart(5)} MB peak`).join("\n");
}
