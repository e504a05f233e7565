import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { cp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// BENCH_ONLY=big-input: peak memory of the CLI on hostile-size input (issue
// 11, item 14). A 50 MB subscriber CSV (774,000 rows) imported into a fresh
// store, and a 20 MB issue built: each one process under GNU time, which
// reports the peak resident set. Prints figures; asserts nothing.

const REPO = fileURLToPath(new URL("../", import.meta.url));
const CLI = path.join(REPO, "bin/gazette.js");
const GNU_TIME = "/usr/bin/time";

export interface BigInputRun {
  what: string;
  input: string;
  exit: number | null;
  seconds: number;
  maxRssMb?: number;
  said: string;
}

export async function benchBigInput(): Promise<BigInputRun[]> {
  const root = mkdtempSync(path.join(tmpdir(), "gazette-bench-big-"));
  try {
    await cp(path.join(REPO, "content"), path.join(root, "content"), { recursive: true });
    const csv = path.join(root, "big.csv");
    const rows = Number(process.env.BENCH_CSV_ROWS ?? 774_000);
    await writeCsv(csv, rows);
    const runs = [run("subscribers import", ["-C", root, "subscribers", "import", csv], root, `${mb(csv)}, ${rows.toLocaleString("en-US")} rows`)];
    const issue = path.join(root, "content/issues/037.md");
    await writeFile(issue, await bigIssue(Number(process.env.BENCH_ISSUE_MB ?? 20)));
    runs.push(run("build", ["-C", root, "build"], root, `content/issues/037.md, ${mb(issue)}`));
    return runs;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function formatBigInputRuns(runs: BigInputRun[]): string {
  return runs
    .map((r) => `  ${r.what.padEnd(20)} ${r.input.padEnd(34)} exit ${r.exit}  ${r.seconds.toFixed(1)} s  peak ${r.maxRssMb ?? "?"} MB\n    ${r.said.split("\n").slice(0, 3).join("\n    ")}`)
    .join("\n");
}

function run(what: string, args: string[], cwd: string, input: string): BigInputRun {
  const out = path.join(cwd, "time.txt");
  const haveTime = existsSync(GNU_TIME);
  const started = process.hrtime.bigint();
  const child = haveTime
    ? spawnSync(GNU_TIME, ["-o", out, "-f", "%M", process.execPath, CLI, ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
    : spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const maxRssMb = haveTime ? Math.round(Number(readFileSync(out, "utf8").trim().split("\n").pop()) / 1024) : undefined;
  return { what, input, exit: child.status, seconds, maxRssMb, said: `${child.stdout}${child.stderr}`.trim().slice(0, 400) };
}

/** email,name,status rows, about 65 bytes each, one name in three Chinese. */
async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? undefined : new Promise<void>((resolve) => out.once("drain", () => resolve())));
  await write("email,name,status\n");
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    chunk += `reader${String(i).padStart(7, "0")}@mail-${i % 97}.example.org,${i % 3 === 0 ? `读者${i}号` : `Reader Number ${i}`},confirmed\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = "";
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Issue 36's items repeated until the file is about `megabytes` MB. */
async function bigIssue(megabytes: number): Promise<string> {
  const source = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
  const [, front, lead] = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(source)!;
  const items = front!.slice(front!.indexOf("    items:\n") + "    items:\n".length).split(/\n(?=      - )/);
  const head = front!.slice(0, front!.indexOf("sections:")).replace("number: 36", "number: 37").replace("date: 2022-01-17", "date: 2022-01-24");
  const body: string[] = [];
  let size = 0;
  for (let i = 0; size < megabytes * 1024 * 1024; i++) {
    const item = items[i % items.length]!.replace(/^(\s+)title: .*$/m, `$1title: "Item ${i + 1}"`);
    body.push(item);
    size += Buffer.byteLength(item) + 1;
  }
  return `---\n${head}sections:\n  - title: 论文推荐\n    items:\n${body.join("\n")}\n---\n${lead}`;
}

function mb(file: string): string {
  return `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`;
}
