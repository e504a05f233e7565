import type { FastifyInstance } from "fastify";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { createApp } from "../src/server/app.ts";
import { httpRequest } from "./helpers/http.ts";
import { makeProject } from "./helpers/project.ts";

describe("gazette serve", () => {
  let root: string;
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    root = await makeProject("issue-36");
    await build({ root });
    app = await createApp({ distDir: path.join(root, "dist") });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(() => app.close());

  it.each([
    ["/rss.xml", "application/rss+xml; charset=utf-8"],
    ["/atom.xml", "application/atom+xml; charset=utf-8"],
    ["/feed.json", "application/feed+json; charset=utf-8"],
    ["/", "text/html; charset=utf-8"],
    ["/issues/36/", "text/html; charset=utf-8"],
    ["/assets/style.css", "text/css; charset=utf-8"],
  ])("serves %s as %s", async (url, type) => {
    const res = await httpRequest(`${base}${url}`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers a conditional GET with 304 when the feed has not changed, by ETag or by date", async () => {
    const first = await httpRequest(`${base}/rss.xml`);
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers["last-modified"]);
    expect(etag).toMatch(/^(W\/)?"/);
    expect(Date.parse(lastModified)).not.toBeNaN();
    const byTag = await httpRequest(`${base}/rss.xml`, { headers: { "If-None-Match": etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.body).toBe("");
    const byDate = await httpRequest(`${base}/rss.xml`, { headers: { "If-Modified-Since": lastModified } });
    expect(byDate.status).toBe(304);
    const other = await httpRequest(`${base}/rss.xml`, { headers: { "If-None-Match": '"other"' } });
    expect(other.status).toBe(200);
    expect(other.body).toContain("<rss");
  });

  it("keeps answering 304 after a rebuild of unchanged content, and 200 with a new ETag after a change", async () => {
    const etag = String((await httpRequest(`${base}/atom.xml`, { method: "HEAD" })).headers.etag);
    await build({ root });
    expect((await httpRequest(`${base}/atom.xml`, { headers: { "If-None-Match": etag } })).status).toBe(304);

    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace("title: 谷歌提出梯度最大化增长方法GradMax", "title: 已更正的标题"));
    await build({ root });
    const changed = await httpRequest(`${base}/atom.xml`, { headers: { "If-None-Match": etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body).toContain("已更正的标题");
  });

  it("answers 404 for files that are not there", async () => {
    expect((await httpRequest(`${base}/issues/99/`)).status).toBe(404);
    expect((await httpRequest(`${base}/..%2Fcontent/newsletter.yaml`)).status).toBe(404);
    expect((await httpRequest(`${base}/%2e%2e/content/newsletter.yaml`)).status).toBe(404);
  });
});
