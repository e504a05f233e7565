import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Writes a project of `count` issues, each as large as issue 36 (its text
 * with the number, date, titles and a word per summary changed, so every
 * page and email differs), into `root`.
 */
export async function writeSyntheticArchive(repo: string, root: string, count: number): Promise<void> {
  const template = await readFile(path.join(repo, "content/issues/036.md"), "utf8");
  await mkdir(path.join(root, "content/issues"), { recursive: true });
  await writeFile(path.join(root, "content/newsletter.yaml"), await readFile(path.join(repo, "content/newsletter.yaml")));
  const start = Date.UTC(2004, 0, 5);
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const n = i + 1;
      const date = new Date(start + i * 7 * 86_400_000).toISOString().slice(0, 10);
      return writeFile(path.join(root, "content/issues", `${String(n).padStart(4, "0")}.md`), variant(template, n, date));
    }),
  );
}

export function variant(template: string, n: number, date: string, marker = ""): string {
  return template
    .replace(/^number: 36$/m, `number: ${n}`)
    .replace(/^date: 2022-01-17$/m, `date: ${date}`)
    .replace(/^title: (.*)$/m, `title: 第${n}期精选${marker}:$1`)
    .replace(/summary: >-\n {10}本文/g, `summary: >-\n          第${n}期${marker}本文`);
}
