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

/** Builds a fresh copy of a fixture and serves its dist/ on 127.0.0.1, port 0. */
export async function serveFixture(fixture: "issue-36" | "hostile", extraIssues: Record<string, string> = {}) {
  const { createApp } = await import("../../src/server/app.ts");
  const root = await makeProject(fixture, extraIssues);
  await build({ root });
  const app = await createApp({ distDir: path.join(root, "dist") });
  return { app, root, base: await app.listen({ port: 0, host: "127.0.0.1" }) };
}
