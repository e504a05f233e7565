import { readFile } from "node:fs/promises";
import path from "node:path";
import { build } from "../../src/build/build.ts";
import { makeProject } from "./project.ts";

/** Builds a fresh copy of a fixture; returns the project and a reader for dist/ files. */
export async function buildFixture(fixture: "issue-36" | "hostile", extraIssues: Record<string, string> = {}) {
  const root = await makeProject(fixture, extraIssues);
  const result = await build({ root });
  const read = (file: string) => readFile(path.join(root, "dist", file), "utf8");
  return { root, dist: path.join(root, "dist"), result, read };
}
