import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.ts";
import { serveFixture } from "../helpers/build.ts";
import { REPO } from "../helpers/project.ts";

// The search page in headless Chromium, against the app `gazette serve`
// runs, with its Content-Security-Policy: the search index and scripts are
// files in dist/, and nothing runs inline.

interface Result {
  href: string;
  title: string;
  meta: string;
  excerpt: string;
}

/** Searches from the page's own form and waits until the status says how it went. */
async function search(page: Page, base: string, query: string): Promise<{ status: string; results: Result[] }> {
  await page.goto(`${base}/search/?q=${encodeURIComponent(query)}`);
  for (let i = 0; i < 100; i++) {
    const status = await page.evaluate<string>(`document.getElementById("search-status").textContent`);
    if (status !== "" && !status.includes("…")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = await page.locator("#search-status").innerText();
  const results = await page.evaluate<Result[]>(`[...document.querySelectorAll("#search-results li")].map((li) => ({
    href: li.querySelector("a").href,
    title: li.querySelector("a").textContent,
    meta: li.querySelector(".search-meta")?.textContent ?? "",
    excerpt: li.querySelector(".search-excerpt").textContent,
  }))`);
  return { status, results };
}

describe("searching the archive in headless Chromium", () => {
  let browser: Browser;
  const servers: FastifyInstance[] = [];
  let issue36: string;
  let issue36Root: string;
  let hostile: string;
  let sharded: string;
  const violations: string[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
    // Issue 36 and two more made from it: shards of two issues (36, 37) and one (38).
    const text = await readFile(path.join(REPO, "content/issues/036.md"), "utf8");
    const copy = (n: number, word: string) => text.replace("number: 36", `number: ${n}`).replace("date: 2022-01-17", `date: 2022-01-${17 + (n - 36) * 7}`).replace("谷歌提出", `${word} 谷歌提出`);
    const [a, b, c] = await Promise.all([
      serveFixture("issue-36"),
      serveFixture("hostile"),
      serveFixture("issue-36", { "037.md": copy(37, "Zanzibarian"), "038.md": copy(38, "Quetzalcoatlus") }),
    ]);
    servers.push(a.app, b.app, c.app);
    issue36 = a.base;
    issue36Root = a.root;
    hostile = b.base;
    sharded = c.base;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, ...options });
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on("pageerror", (e) => violations.push(e.message));
    return page;
  }

  it.each(["梯度", "GradMax"])("finds issue 36's GradMax paper first for %s, linking to its anchor with the issue's number and date", async (query) => {
    const page = await newPage();
    const { status, results } = await search(page, issue36, query);
    expect(status).toMatch(/^找到 \d+ 篇论文$/);
    expect(results[0]).toMatchObject({
      href: `${issue36}/issues/36/#gradmax-growing-neural-networks-using-gradient-information`,
      title: "GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION",
      meta: "第36期 · 2022年1月17日",
    });
    // The anchor is there: following the result lands on the paper.
    await page.locator("#search-results li a").first().click();
    await page.waitForURL(/#gradmax-/);
    await expect(page.locator("article.item:target h3").innerText()).resolves.toBe("GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION");
    expect(violations).toEqual([]);
    await page.close();
  });

  it("finds the mixture-of-experts paper for 混合专家", async () => {
    const page = await newPage();
    const { results } = await search(page, issue36, "混合专家");
    expect(results[0]?.title).toBe("Efficient Large Scale Language Modeling with Mixtures of Experts");
    expect(violations).toEqual([]);
    await page.close();
  });

  it("searches every shard of the index at once", async () => {
    const page = await newPage();
    const shards = (await (await fetch(`${sharded}/search-index/shards.json`)).json()) as string[];
    expect(shards).toHaveLength(2);
    const { status, results } = await search(page, sharded, "GradMax");
    expect(status).toMatch(/^找到 \d+ 篇论文$/);
    expect(results.filter((r) => r.title.startsWith("GRADMAX")).map((r) => r.meta).sort()).toEqual(["第36期 · 2022年1月17日", "第37期 · 2022年1月24日", "第38期 · 2022年1月31日"]);
    // A word only the newest issue (the second shard) has, and one only issue 37 (the first) has.
    for (const [word, issue] of [["Quetzalcoatlus", 38], ["Zanzibarian", 37]] as const) {
      const found = await search(page, sharded, word);
      expect(found.results[0]?.href, word).toBe(`${sharded}/issues/${issue}/#gradmax-growing-neural-networks-using-gradient-information`);
    }
    expect(violations).toEqual([]);
    await page.close();
  });

  it("finds a word while it is still being typed, and a lone Chinese character", async () => {
    const page = await newPage();
    for (const query of ["GradM", "gradm", "ＧｒａｄＭａｘ"]) {
      const { results } = await search(page, issue36, query);
      expect(results[0]?.title, query).toBe("GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION");
    }
    // 梯 begins 梯度, in GradMax's translation and summary: the paper is among what it finds.
    const { results } = await search(page, issue36, "梯");
    expect(results.map((r) => r.title)).toContain("GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION");
    expect(violations).toEqual([]);
    await page.close();
  });

  it("marks the query's words in the excerpt, Chinese pairs joined into one mark", async () => {
    const page = await newPage();
    const marksOfFirst = () => page.evaluate<string[]>(`[...document.querySelectorAll("#search-results li:first-child .search-excerpt mark")].map((m) => m.textContent)`);
    // GradMax's summary has 梯度最大化增长 as one stretch.
    await search(page, issue36, "梯度最大化增长");
    expect(await marksOfFirst()).toContain("梯度最大化增长");
    // The MoE paper's summary has 专家层 and 混合 apart: each is marked where it is.
    await search(page, issue36, "混合专家");
    const marks = await marksOfFirst();
    expect(marks.length).toBeGreaterThan(0);
    expect(marks.every((m) => ["混合", "专家", "混合专家"].includes(m))).toBe(true);
    // A word is marked whatever its case; so is a longer word it begins while it is being typed.
    await search(page, issue36, "mo");
    const english = await page.evaluate<string[]>(`[...document.querySelectorAll("#search-results .search-excerpt mark")].map((m) => m.textContent)`);
    expect(english).toContain("MoE");
    expect(english.every((m) => m.toLowerCase().startsWith("mo"))).toBe(true);
    await page.close();
  });

  it("finds only papers that have every word of the query", async () => {
    const page = await newPage();
    const one = await search(page, issue36, "GradMax");
    const both = await search(page, issue36, "GradMax 混合专家");
    expect(one.results.length).toBeGreaterThan(0);
    expect(both.results.every((r) => one.results.some((o) => o.href === r.href))).toBe(true);
    expect(both.results.map((r) => r.title)).not.toContain("Efficient Large Scale Language Modeling with Mixtures of Experts");
    await page.close();
  });

  it("says so when the index cannot be loaded", async () => {
    const page = await newPage();
    const shards = path.join(issue36Root, "dist/search-index/shards.json");
    const kept = await readFile(shards);
    await rm(shards);
    try {
      const { status, results } = await search(page, issue36, "GradMax");
      expect(status).toBe("搜索索引没能载入，请稍后再试。");
      expect(results).toEqual([]);
    } finally {
      await writeFile(shards, kept);
      violations.length = 0; // the failed load is reported as an error on the page, as it should be
    }
    await page.close();
  });

  it("says so when nothing matches", async () => {
    const page = await newPage();
    const { status, results } = await search(page, issue36, "xylophone");
    expect(status).toBe("没有找到与“xylophone”相关的论文。");
    expect(results).toEqual([]);
    await page.close();
  });

  it("is reached from the search box on every page", async () => {
    const page = await newPage();
    await page.goto(`${issue36}/issues/36/`);
    await page.locator(".search-box input").fill("GradMax");
    await page.locator(".search-box button").click();
    await page.waitForURL(`${issue36}/search/?q=GradMax`);
    await page.locator("#search-results li").first().waitFor();
    await expect(page.locator("#search-results li a").first().innerText()).resolves.toBe("GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION");
    for (const path of ["/", "/tags/", "/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/"]) {
      await page.goto(`${issue36}${path}`);
      expect(await page.locator("form.search-box[action$='search/'] input[name=q]").count(), path).toBe(1);
    }
    await page.close();
  });

  it("finds the hostile fixture's <script> text as text, and never runs it", async () => {
    const page = await newPage();
    const { results } = await search(page, hostile, "__pwned");
    expect(results.length).toBeGreaterThan(0);
    expect(results[0]!.excerpt).toContain("<script>window.__pwned = true</script>");
    expect(results[0]!.title).toBe("Title ]]> one ]]> two <script>alert('t')</script> & \"q\" 'a'");
    expect(await page.evaluate("[typeof window.__pwned, typeof window.__pwnedLead, document.querySelectorAll('#search-results script').length]")).toEqual(["undefined", "undefined", 0]);
    expect(violations).toEqual([]);
    await page.close();
  });

  it("without JavaScript, says search needs it and links to the index", async () => {
    const page = await newPage({ javaScriptEnabled: false });
    await page.goto(`${issue36}/search/?q=GradMax`);
    const notice = page.locator(".search-noscript");
    await expect(notice.innerText()).resolves.toContain("搜索要在浏览器里运行 JavaScript");
    await notice.locator("a").click();
    await page.waitForURL(`${issue36}/`);
    await page.close();
  });
});
