import { spawn } from "node:child_process";
import path from "node:path";
import { build } from "../../src/build/build.ts";
import { readSecret } from "../../src/send/tokens.ts";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.ts";
import { makeProject, REPO } from "./project.ts";

/** A built issue 36 project whose data/gazette.sqlite holds these confirmed readers (closed again). */
export async function sendProject(emails: string[]): Promise<{ root: string; db: string }> {
  const root = await makeProject("issue-36");
  await build({ root });
  const db = path.join(root, "data/gazette.sqlite");
  const store = new SqliteStore(db);
  await store.importSubscribers(emails.map((email) => ({ email })));
  await store.close();
  readSecret(path.join(root, "data"));
  return { root, db };
}

export const readers = (n: number) => Array.from({ length: n }, (_, i) => `reader${i + 1}@example.org`);

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `gazette send 36 --yes ARGS` in `root` as a child process. `shell`, when
 * given, is a bash prelude run before the CLI in the same process (ulimit).
 */
export function runSend(root: string, env: NodeJS.ProcessEnv, args: string[] = [], shell?: string): Promise<Finished> {
  const cli = [process.execPath, path.join(REPO, "bin/gazette.js"), "send", "36", "--yes", ...args];
  const child = shell
    ? spawn("bash", ["-c", `${shell}; exec "$@"`, "bash", ...cli], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    : spawn(cli[0]!, cli.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}
