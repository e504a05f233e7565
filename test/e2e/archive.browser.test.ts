import type { FastifyInstance } from "fastify";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { horizontalOverflow, launchChromium, platformFonts } from "../helpers/browser.ts";
import { serveFixture } from "../helpers/build.ts";

/** A computed style property of the first element matching `selector` (a string, so the Node-only type-check needs no DOM types). */
function computedStyle(page: Page, selector: string, property: string): Promise<string> {
  return page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(property)}]`);
}

describe("the archive in headless Chromium", () => {
  let browser: Browser;
  let servers: FastifyInstance[] = [];
  let issue36: string;
  let hostile: string;
  beforeAll(async () => {
    browser = await launchChromium();
    const a = await serveFixture("issue-36");
    const b = await serveFixture("hostile");
    servers = [a.app, b.app];
    issue36 = a.base;
    hostile = b.base;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each([
    [375, 812],
    [1280, 900],
  ])("shows every item of issue 36 at %i px without horizontal scrolling", async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(`${issue36}/issues/36/`);
    expect(await horizontalOverflow(page)).toBe(0);
    const items = page.locator("article.item");
    expect(await items.count()).toBe(12);
    for (let i = 0; i < 12; i++) {
      const box = await items.nth(i).boundingBox();
      expect(box!.width).toBeGreaterThan(200);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
      expect(box!.height).toBeGreaterThan(50);
    }
    await expect(page.locator("h1").innerText()).resolves.toBe("谷歌提出梯度最大化增长方法GradMax");
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR ?? "/tmp", `issue-36-${width}.png`), fullPage: false });
    await page.close();
  });

  it("never breaks a link's label at 375 px; a long URL wraps after it", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(`${issue36}/issues/36/`);
    // For every link: how many lines its label (the text before the URL) takes, and
    // whether the URL starts after the label ends (to its right, or on a later line).
    const links = await page.evaluate<{ label: string; labelLines: number; urlAfterLabel: boolean; urlLines: number; right: number }[]>(`
      [...document.querySelectorAll(".links li")].map((li) => {
        const a = li.querySelector("a");
        const range = document.createRange();
        range.setStart(li, 0);
        range.setEndBefore(a);
        // The label's text as drawn: one rectangle per line it takes.
        const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
        const rects = [];
        for (let node = walker.nextNode(); node && !a.contains(node); node = walker.nextNode()) {
          const part = document.createRange();
          part.selectNodeContents(node);
          rects.push(...[...part.getClientRects()].filter((r) => r.width > 0));
        }
        const lines = new Set(rects.map((r) => Math.round(r.top / 4)));
        const label = range.getBoundingClientRect();
        const text = document.createRange();
        text.selectNodeContents(a);
        const url = [...text.getClientRects()].filter((r) => r.width > 0);
        const first = url[0];
        return {
          label: range.toString(),
          labelLines: lines.size,
          urlAfterLabel: first.top >= label.bottom - 1 || first.left >= label.right - 1,
          urlLines: new Set(url.map((r) => Math.round(r.top / 4))).size,
          right: Math.max(li.getBoundingClientRect().right, ...url.map((r) => r.right)),
        };
      })`);
    expect(links.length).toBe(27);
    for (const link of links) {
      expect(link.labelLines, JSON.stringify(link)).toBe(1);
      expect(link.urlAfterLabel, JSON.stringify(link)).toBe(true);
      expect(link.right, JSON.stringify(link)).toBeLessThanOrEqual(375);
    }
    expect(links.some((l) => /^论文地址[:：]$/.test(l.label))).toBe(true);
    // Some of issue 36's URLs are longer than a phone's line: they wrap, inside the page.
    expect(links.some((l) => l.urlLines > 1)).toBe(true);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.close();
  });

  it.each([
    [375, 812],
    [1280, 900],
  ])("at %i px: a table of contents that reaches every item, the tag pages, and the search box fit", async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(`${issue36}/issues/36/`);
    const toc = page.locator("nav.toc");
    await expect(toc.locator("> ol > li > a").allInnerTexts()).resolves.toEqual(["论文推荐", "研究动态"]);
    const entries = toc.locator("ol ol a");
    expect(await entries.count()).toBe(12);
    await entries.nth(3).click();
    await expect(page.locator("article.item:target h3").innerText()).resolves.toBe("GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION");
    const target = await page.locator("article.item:target").boundingBox();
    expect(Math.abs(target!.y)).toBeLessThan(2); // scrolled to the top of the viewport
    for (const path of ["/issues/36/", "/tags/", "/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/", "/search/?q=GradMax"]) {
      await page.goto(`${issue36}${path}`);
      expect(await horizontalOverflow(page), path).toBe(0);
      const box = await page.locator(".search-box").boundingBox();
      expect(box!.x + box!.width, path).toBeLessThanOrEqual(width);
    }
    await page.goto(`${issue36}/tags/%E5%A4%9A%E6%A8%A1%E6%80%81/`);
    await page.locator(".topic-items li a").first().click();
    await page.waitForURL(/\/issues\/36\/#uni-eden/);
    await expect(page.locator("article.item:target .translation").innerText()).resolves.toBe("基于多粒度视觉语言预训练的通用编解码网络");
    await page.close();
  });

  it("links issues to their neighbours, and prints without the site's furniture", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${hostile}/issues/second-issue/`);
    await expect(page.locator(".issue-nav a[rel=prev]").getAttribute("href")).resolves.toBe("../../issues/1/");
    await expect(page.locator(".issue-nav a[rel=next]").getAttribute("href")).resolves.toBe("../../issues/3/");
    await page.goto(`${issue36}/issues/36/`);
    // Strings, so that the Node-only type-check needs no DOM types.
    const shown = async (selector: string) => (await computedStyle(page, selector, "display")) !== "none";
    expect(await shown("form.signup")).toBe(true);
    expect(await shown("nav.toc")).toBe(true);
    await page.emulateMedia({ media: "print" });
    expect(await shown("form.signup")).toBe(false);
    expect(await shown(".search-box")).toBe(false);
    expect(await shown("nav.toc")).toBe(false);
    expect(await shown("article.item")).toBe(true);
    expect(await computedStyle(page, "body", "color")).toBe("rgb(0, 0, 0)");
    await page.close();
  });

  it("follows the reader's dark colour scheme", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 }, colorScheme: "dark" });
    await page.goto(`${issue36}/issues/36/`);
    const background = await computedStyle(page, "html", "backgroundColor");
    expect(background).toBe("rgb(13, 17, 23)");
    await page.emulateMedia({ colorScheme: "light" });
    expect(await computedStyle(page, "html", "backgroundColor")).toBe("rgb(255, 255, 255)");
    await page.close();
  });

  it("draws Chinese text with a CJK font, not boxes", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(`${issue36}/issues/36/`);
    for (const selector of [".translation", ".summary p", "h1"]) {
      const fonts = await platformFonts(page, selector);
      const cjk = fonts.filter((f) => /CJK|Han Sans|Noto Sans SC|WenQuanYi|YaHei|PingFang/i.test(f.familyName));
      expect(cjk.length, `${selector}: ${JSON.stringify(fonts)}`).toBeGreaterThan(0);
      expect(cjk.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThan(5);
    }
    await page.close();
  });

  it("shows a <script> from content as text and never runs it", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(`${hostile}/issues/3/`);
    expect(await page.evaluate("[typeof window.__pwned, typeof window.__pwnedLead]")).toEqual(["undefined", "undefined"]);
    await expect(page.locator("article.item .summary").first().innerText()).resolves.toContain("<script>window.__pwned = true</script>");
    expect(await page.locator("article.item").count()).toBe(60);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.close();
  });

  it("lists the published issues on the index and reaches an issue by its link", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await page.goto(`${hostile}/`);
    await expect(page.locator(".issue-list li").count()).resolves.toBe(3);
    await page.locator(".issue-list li a").nth(1).click();
    await page.waitForURL(`${hostile}/issues/second-issue/`);
    await expect(page.locator("h1").innerText()).resolves.toBe("The second issue");
    await page.close();
  });
});
