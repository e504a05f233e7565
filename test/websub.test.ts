import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeProject } from "./helpers/project.ts";
import { CLI } from "./helpers/processes.ts";
import { child, children, parseXmlStrict } from "./helpers/xml.ts";

// WebSub: every feed names the hubs; gazette build --ping and gazette ping
// send hub.mode=publish for exactly the feeds that changed, to a real hub
// on 127.0.0.1, port 0.

interface Hub {
  url: string;
  /** The hub.url of every publish notification received, in order. */
  published: string[];
  /** What the hub answers: a status, or "hang" (never answers). */
  answer: number | "hang";
  server: Server;
}

const hubs: Hub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((h) => new Promise((resolve) => { h.server.closeAllConnections(); h.server.close(resolve); })));
});

async function startHub(answer: Hub["answer"] = 204): Promise<Hub> {
  const hub = { published: [] as string[], answer } as Hub;
  hub.server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    if (req.method !== "POST" || req.headers["content-type"] !== "application/x-www-form-urlencoded" || form.get("hub.mode") !== "publish") {
      res.writeHead(400).end();
      return;
    }
    hub.published.push(form.get("hub.url")!);
    if (hub.answer === "hang") return;
    res.writeHead(hub.answer).end();
  });
  await new Promise<void>((resolve) => hub.server.listen(0, "127.0.0.1", resolve));
  hub.url = `http://127.0.0.1:${(hub.server.address() as AddressInfo).port}/`;
  hubs.push(hub);
  return hub;
}

/** The CLI as a child process (asynchronous: the hub answers from this process meanwhile). */
function gazette(root: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    proc.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    proc.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const BASE = "https://pretraining-weekly.example.org/";
const MAIN = [`${BASE}rss.xml`, `${BASE}atom.xml`, `${BASE}feed.json`];
const tagFeeds = (slug: string) => ["rss.xml", "atom.xml", "feed.json"].map((f) => `${BASE}tags/${encodeURIComponent(slug)}/${f}`);

/** Issue 36 plus an issue 37 whose one item is tagged 多模态 alone. */
async function projectWithHubs(...hubUrls: string[]): Promise<string> {
  const issue37 = "---\nnumber: 37\ndate: 2022-01-24\ntitle: 第37期\nsections:\n  - title: 论文推荐\n    items:\n      - title: A multimodal paper\n        summary: First version.\n        tags: [多模态]\n---\n";
  const root = await makeProject("issue-36", { "037.md": issue37 });
  const yaml = path.join(root, "content/newsletter.yaml");
  await writeFile(yaml, `${await readFile(yaml, "utf8")}websub:\n  hubs: [${hubUrls.join(", ")}]\n`);
  return root;
}

describe("WebSub", () => {
  it("names every hub in every feed: RSS atom:link, Atom link, JSON Feed hubs", async () => {
    const [a, b] = [await startHub(), await startHub()];
    const root = await projectWithHubs(a.url, b.url);
    expect((await gazette(root, ["build"])).status).toBe(0);
    for (const dir of ["", "tags/多模态/"]) {
      const rss = parseXmlStrict(await readFile(path.join(root, "dist", dir, "rss.xml"), "utf8"));
      expect(children(child(rss, "channel")!, "atom:link").filter((l) => l.attributes.rel === "hub").map((l) => l.attributes.href)).toEqual([a.url, b.url]);
      const atom = parseXmlStrict(await readFile(path.join(root, "dist", dir, "atom.xml"), "utf8"));
      expect(children(atom, "link").filter((l) => l.attributes.rel === "hub").map((l) => l.attributes.href)).toEqual([a.url, b.url]);
      const json = JSON.parse(await readFile(path.join(root, "dist", dir, "feed.json"), "utf8"));
      expect(json.hubs).toEqual([{ type: "WebSub", url: a.url }, { type: "WebSub", url: b.url }]);
    }
    // A build alone sends nothing: the changes wait for a ping.
    expect(a.published).toEqual([]);
  });

  it("pings exactly the feeds a build changed, and nothing after an unchanged rebuild", async () => {
    const hub = await startHub();
    const root = await projectWithHubs(hub.url);
    const first = await gazette(root, ["build", "--ping"]);
    expect(first.status).toBe(0);
    // The first build made every feed: main, and each of issue 36's twelve topics.
    expect(hub.published).toHaveLength(3 + 12 * 3);
    expect(first.stdout).toContain("websub: 39 of 39 publish notifications accepted\n");

    hub.published = [];
    const unchanged = await gazette(root, ["build", "--ping"]);
    expect(unchanged.stdout).toContain("websub: no changed feeds to announce\n");
    expect(hub.published).toEqual([]);

    // Issue 37 is in the main feeds and 多模态's, and in no other topic's.
    const file = path.join(root, "content/issues/037.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("First version.", "Second version."));
    expect((await gazette(root, ["build", "--ping"])).status).toBe(0);
    // (Sent four at a time, so they arrive in any order.)
    expect(hub.published.sort()).toEqual([...MAIN, ...tagFeeds("多模态")].sort());
  });

  it("reports a failing hub without failing the build, and tells it on the next ping", async () => {
    const good = await startHub();
    const bad = await startHub(503);
    const slow = await startHub("hang");
    const root = await projectWithHubs(good.url, bad.url, slow.url);
    await gazette(root, ["build"]);
    const file = path.join(root, "content/issues/037.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("First version.", "Second version."));
    // Only this change is announced here: the first build's are sent and settled first.
    good.answer = bad.answer = slow.answer = 204;
    expect((await gazette(root, ["ping"])).status).toBe(0);
    [good, bad, slow].forEach((h) => (h.published = []));
    bad.answer = 503;
    slow.answer = "hang";

    const built = await gazette(root, ["build", "--ping", "--ping-timeout", "1"]);
    expect(built.status).toBe(0);
    const changed = [...MAIN, ...tagFeeds("多模态")];
    expect(good.published.sort()).toEqual([...changed].sort());
    expect(bad.published.sort()).toEqual([...changed].sort());
    expect(built.stdout).toContain("websub: 6 of 18 publish notifications accepted\n");
    expect(built.stderr).toContain(`websub: ${bad.url} did not take ${BASE}rss.xml: HTTP 503; it stays pending for the next gazette ping\n`);
    expect(built.stderr).toContain(`websub: ${slow.url} did not take ${BASE}rss.xml: no answer within 1 s; it stays pending for the next gazette ping\n`);
    expect(await readFile(path.join(root, "dist/rss.xml"), "utf8")).toContain("Second version.");

    // Still failing: gazette ping says so in its status; the good hub hears nothing twice.
    good.published = [];
    expect((await gazette(root, ["ping", "--timeout", "1"])).status).toBe(1);
    expect(good.published).toEqual([]);

    // Back up: the next ping delivers what they missed, once.
    bad.answer = slow.answer = 204;
    [bad, slow].forEach((h) => (h.published = []));
    const retried = await gazette(root, ["ping"]);
    expect(retried.status).toBe(0);
    expect(retried.stdout).toContain("websub: 12 of 12 publish notifications accepted\n");
    expect(bad.published.sort()).toEqual([...changed].sort());
    expect(slow.published.sort()).toEqual([...changed].sort());
    expect((await gazette(root, ["ping"])).stdout).toBe("websub: no changed feeds to announce\n");
  });

  it("says so when newsletter.yaml names no hubs", async () => {
    const root = await makeProject("issue-36");
    const result = await gazette(root, ["ping"]);
    expect(result).toEqual({ status: 1, stdout: "", stderr: "gazette: content/newsletter.yaml names no hubs; add websub: { hubs: [https://…] } to announce changed feeds\n" });
  });
});
