import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { measure, type Measured } from "./measure.ts";
import { writeSyntheticArchive } from "./synthetic.ts";

// BENCH_ONLY=images: what figures cost a build. The synthetic archive
// (BENCH_ISSUES issues the size of issue 36) with two figures on every
// issue, each its own file: a 1600×900 chart (PNG) and a 2000×1500 photo
// (JPEG). Cold: no dist/ and no caches, so every image is processed;
// warm: the same build again, every image from the cache; and the same
// archive without figures, cold, for comparison.

const REPO = path.resolve(import.meta.dirname, "..");
const GAZETTE = path.join(REPO, "bin/gazette.js");

export interface ImageRun {
  label: string;
  run: Measured;
}

export async function benchImages(log: (line: string) => void): Promise<ImageRun[]> {
  const count = Number(process.env.BENCH_ISSUES ?? 1000);
  const dir = await mkdtemp(path.join(tmpdir(), "gazette-bench-images-"));
  try {
    const plain = path.join(dir, "plain");
    const withFigures = path.join(dir, "figures");
    await writeSyntheticArchive(REPO, plain, count);
    await writeSyntheticArchive(REPO, withFigures, count);
    log(`  writing ${count * 2} image files…`);
    await addFigures(withFigures, count);
    const build = (root: string, what: string) => measure(process.execPath, [GAZETTE, "build", "-C", root], { cwd: REPO, what });
    const runs: ImageRun[] = [];
    runs.push({ label: `cold build, ${count} issues, no figures`, run: build(plain, "plain cold build") });
    log(`  ${runs.at(-1)!.label}: ${runs.at(-1)!.run.seconds.toFixed(1)} s`);
    runs.push({ label: `cold build, ${count} issues, ${count * 2} figures (every image processed)`, run: build(withFigures, "cold build with figures") });
    log(`  ${runs.at(-1)!.label}: ${runs.at(-1)!.run.seconds.toFixed(1)} s`);
    runs.push({ label: `warm build, the same (every image from the cache)`, run: build(withFigures, "warm build with figures") });
    log(`  ${runs.at(-1)!.label}: ${runs.at(-1)!.run.seconds.toFixed(1)} s`);
    return runs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatImageRuns(runs: ImageRun[]): string {
  const lines = ["| run | wall | CPU | peak RSS |", "| --- | --- | --- | --- |"];
  for (const { label, run } of runs) lines.push(`| ${label} | ${run.seconds.toFixed(1)} s | ${run.cpuSeconds?.toFixed(1) ?? "-"} s | ${run.maxRssMb ?? "-"} MB |`);
  return lines.join("\n");
}

/** Two figures on the first item of every issue, each a distinct file. */
async function addFigures(root: string, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) {
    const dir = path.join(root, "content/issues", String(n).padStart(4, "0"));
    await mkdir(dir, { recursive: true });
    const hue = (n * 37) % 255;
    const bars = Array.from({ length: 6 }, (_, i) => `<rect x="${120 + i * 230}" y="${800 - ((n + i) % 7) * 90 - 60}" width="150" height="${((n + i) % 7) * 90 + 60}" fill="rgb(${hue},92,173)"/>`).join("");
    const chart = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900"><rect width="1600" height="900" fill="#fff"/>${bars}</svg>`)).png().toBuffer();
    const noise = Buffer.alloc(64 * 48 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761 + n * 97) % 251;
    const photo = await sharp(noise, { raw: { width: 64, height: 48, channels: 3 } }).resize(2000, 1500).jpeg({ quality: 85 }).toBuffer();
    await writeFile(path.join(dir, "chart.png"), chart);
    await writeFile(path.join(dir, "photo.jpg"), photo);
    const file = `${dir}.md`;
    const text = await readFile(file, "utf8");
    const stem = path.basename(dir);
    const figures = `        figures:\n          - { src: ${stem}/chart.png, alt: 第${n}期的图表 }\n          - { src: ${stem}/photo.jpg, alt: 第${n}期的照片 }\n`;
    await writeFile(file, text.replace("        tags: [优化器]\n", `        tags: [优化器]\n${figures}`));
  }
}
