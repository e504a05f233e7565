import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { httpRequest } from "./helpers/http.ts";
import { invalidFixture, makeProject, REPO } from "./helpers/project.ts";

const CLI = path.join(REPO, "bin/gazette.js");

function gazette(args: string[], cwd = REPO, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the gazette command", () => {
  it("check passes on the repository's content", () => {
    expect(gazette(["check"])).toEqual({ status: 0, stdout: "content OK: 1 issue\n", stderr: "" });
  });

  it("check exits 1 and prints every problem with its file and line", async () => {
    const root = await makeProject("issue-36", { "044.md": await invalidFixture("bad-urls.md"), "045.md": await invalidFixture("no-front-matter.md") });
    const result = gazette(["check"], root);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(`content/issues/044.md: 3 problems
  line 11  sections[0].items[0].links.paper: expected an absolute http(s) URL, received "arxiv.org/abs/2201.05125"
  line 12  sections[0].items[0].links.code: expected an absolute http(s) URL, received "ftp://example.org/code.tar.gz"
  line 18  sections[0].items[1].links.other[0].url: expected an absolute http(s) URL, received "/slides/2.pdf"
content/issues/045.md: 1 problem
  line 1  expected the file to start with a "---" line that opens the YAML front matter
4 problems in 2 files.
`);
    expect(gazette(["build"], root).stderr).toMatch(/\n4 problems; nothing was built\.\n$/);
  });

  it("build writes dist/ and says what it did; warnings go to stderr", async () => {
    const root = await makeProject("issue-36", { "037.md": "---\nnumber: 37\ndate: 2022-01-24\ntitle: \"Bell \\u0007\"\nsections:\n  - title: S\n    items:\n      - title: I\n        summary: S.\n---\n" });
    const result = gazette(["build"], root);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      "built dist/: 2 issues; 76 files written, 0 unchanged, 0 removed\n" +
        "emails: 2 (2 compiled, 0 from cache); largest #36 at 41.5 KB of Gmail's ~102 KB\n" +
        "  #37  html 10.8 KB, text 0.6 KB\n" +
        "  #36  html 41.5 KB, text 15.6 KB\n",
    );
    expect(result.stderr).toBe("content/issues/037.md: 1 warning\n  line 4  title: removed 1 character that XML cannot carry (U+0007)\n");
    expect(gazette(["build"], root).stdout).toMatch(/^built dist\/: 2 issues; 0 files written, 76 unchanged, 0 removed\nemails: 2 \(0 compiled, 2 from cache\);/);
  });

  it("has --help for every command", () => {
    for (const command of ["check", "build", "serve", "preview", "draft", "new", "send", "subscribers", "subscribers add", "subscribers import"]) {
      const result = gazette([...command.split(" "), "--help"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: gazette ${command}`));
    }
    expect(gazette(["--help"]).stdout).toMatch(/check.*\n.*\n?\s*build.*\n[\s\S]*serve/);
  });

  it("rejects an unknown command with a hint", () => {
    const result = gazette(["buidl"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("(Did you mean build?)");
  });

  it("serve prints its URLs, serves the feeds, and stops on SIGTERM", async () => {
    const root = await makeProject("issue-36");
    expect(gazette(["build"], root).status).toBe(0);
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const base = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /serving dist\/ at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on("exit", () => reject(new Error(`serve exited early: ${out}`)));
    });
    const res = await httpRequest(`${base}/feed.json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).items[0].title).toBe("第36期：谷歌提出梯度最大化增长方法GradMax");
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  });

  it("serve and preview say which address is taken and how to pick another", async () => {
    const root = await makeProject("issue-36");
    expect(gazette(["build"], root).status).toBe(0);
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as { port: number }).port)));
    try {
      const said = `gazette: 127.0.0.1:${port} is already in use (another gazette serve?): pick another port with -p PORT or the PORT variable; -p 0 picks a free one\n`;
      expect(gazette(["serve", "-p", String(port)], root)).toMatchObject({ status: 1, stderr: said });
      expect(gazette(["preview", "36"], root, { PORT: String(port) })).toMatchObject({ status: 1, stderr: said });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("names a wrong variable, what it must be and what it was", () => {
    expect(gazette(["serve"], REPO, { PORT: "abc" })).toEqual({ status: 1, stdout: "", stderr: 'gazette: invalid environment: PORT: expected a whole number from 0 to 65535, received "abc"\n' });
  });
});
