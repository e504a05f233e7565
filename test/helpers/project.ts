import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXTURES = path.join(REPO, "test/fixtures/content");

const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary folder, removed after the test file. */
export async function tempDir(prefix = "gazette-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A fresh project folder holding a copy of a content tree: "issue-36" is
 * the repository's own content/, "hostile" the escaping torture test.
 * `extraIssues` adds files to content/issues (name → text).
 */
export async function makeProject(fixture: "issue-36" | "hostile", extraIssues: Record<string, string> = {}): Promise<string> {
  const root = await tempDir();
  const source = fixture === "issue-36" ? path.join(REPO, "content") : path.join(FIXTURES, "hostile/content");
  await cp(source, path.join(root, "content"), { recursive: true });
  await mkdir(path.join(root, "content/issues"), { recursive: true });
  for (const [name, text] of Object.entries(extraIssues)) {
    await writeFile(path.join(root, "content/issues", name), text);
  }
  return root;
}

/** An invalid fixture's text, by file name. */
export function invalidFixture(name: string): Promise<string> {
  return readFile(path.join(FIXTURES, "invalid", name), "utf8");
}

/** Every file under `dir` with a SHA-256 of its bytes, for before/after comparisons. */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(sub: string) {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(rel);
      else out.set(rel, createHash("sha256").update(await readFile(path.join(dir, rel))).digest("hex"));
    }
  }
  await walk("");
  return out;
}
