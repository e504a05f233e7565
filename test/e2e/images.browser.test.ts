import type { FastifyInstance } from "fastify";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/build/build.ts";
import { createApp } from "../../src/server/app.ts";
import { horizontalOverflow, launchChromium } from "../helpers/browser.ts";
import { addFiguresToIssue36, chartPng, photoWithGps, writeFiles } from "../helpers/images.ts";
import { makeProject } from "../helpers/project.ts";

// Figures on the archive page and in the email preview, in Debian's Chromium.

type Box = { x: number; y: number; width: number; height: number };

describe("figures in headless Chromium", () => {
  let browser: Browser;
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    const root = await makeProject("issue-36");
    await writeFiles(root, { "content/issues/036/fig-gradmax.png": await chartPng(), "content/images/photo.jpg": await photoWithGps() });
    await addFiguresToIssue36(
      root,
      `        figures:
          - { src: 036/fig-gradmax.png, alt: GradMax 的网络增长示意图, caption: 图1:GradMax 在训练中添加神经元 }
          - { src: ../images/photo.jpg, alt: 实验室的照片 }
`,
    );
    await build({ root });
    browser = await launchChromium();
    app = await createApp({ distDir: path.join(root, "dist") });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it.each([
    [375, 812],
    [1280, 900],
  ])("at %i px the page's figures fit, load, and move nothing as they load", async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    // Hold every picture back until the page has been laid out without them.
    const held: (() => Promise<void>)[] = [];
    await page.route("**/images/**", (route) => void held.push(() => route.continue()));
    await page.goto(`${base}/issues/36/`);
    const figure = page.locator("figure.figure").first();
    await figure.scrollIntoViewIfNeeded();
    const below = page.locator("article.item").nth(4);
    const before = await below.boundingBox();
    const figureBefore = await figure.boundingBox();
    await page.evaluate("window.__shifts = 0; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__shifts += e.value; }).observe({ type: 'layout-shift', buffered: false })");
    await page.waitForTimeout(50);
    while (held.length === 0) await page.waitForTimeout(20);
    await Promise.all(held.splice(0).map((go) => go()));
    await expect.poll(() => page.evaluate<boolean>("[...document.querySelectorAll('figure.figure img')].every((img) => img.complete && img.naturalWidth > 0)")).toBe(true);
    // Loaded: the chart at its own width or the column's, never wider than the page.
    const img = figure.locator("img");
    const drawn = await img.boundingBox();
    expect(drawn!.width).toBeGreaterThan(Math.min(300, width - 60));
    expect(drawn!.x + drawn!.width).toBeLessThanOrEqual(width);
    expect(drawn!.height / drawn!.width).toBeCloseTo(900 / 1600, 2);
    expect(await horizontalOverflow(page)).toBe(0);
    // Nothing moved: the space was kept from the width and height attributes (to a pixel: the
    // browser rounds the ratio from the attributes and the decoded picture's differently).
    const moved = (a: Box, b: Box) => Math.max(Math.abs(a.x - b.x), Math.abs(a.y - b.y), Math.abs(a.width - b.width), Math.abs(a.height - b.height));
    expect(moved(figureBefore!, (await figure.boundingBox())!)).toBeLessThan(1);
    expect(moved(before!, (await below.boundingBox())!)).toBeLessThan(1);
    expect(await page.evaluate<number>("window.__shifts")).toBeLessThan(0.001);
    // WebP was chosen where the browser takes it.
    expect(await page.evaluate<string>("document.querySelector('figure.figure img').currentSrc")).toMatch(/\.webp$/);
    expect(await figure.locator("figcaption").textContent()).toBe("图1:GradMax 在训练中添加神经元");
    await page.close();
  });

  it("previews the email with images, and with images blocked shows each picture's alt text instead", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/_preview/emails/36/`);
    const shown = page.frameLocator('iframe[title="HTML part at 640 px"]').locator('img[alt="GradMax 的网络增长示意图"]');
    await shown.scrollIntoViewIfNeeded();
    const frame = (title: string) => page.frames().find((f) => f.url().endsWith(title))!;
    const natural = (title: string) => frame(title).evaluate<number>("(() => { const img = document.querySelector('img[alt=\"GradMax 的网络增长示意图\"]'); return img.complete ? img.naturalWidth : -1; })()");
    await expect.poll(() => natural("/html")).toBe(600);
    const blocked = page.frameLocator('iframe[title="HTML part at 375 px with images blocked"]').locator('img[alt="GradMax 的网络增长示意图"]');
    await blocked.scrollIntoViewIfNeeded();
    await expect.poll(() => natural("/html-without-images")).toBe(0);
    // The box stays the picture's size, with its alt text in it: the item still reads.
    const box = await blocked.boundingBox();
    expect(box!.width).toBeGreaterThan(200);
    expect(box!.height).toBeGreaterThan(20);
    await page.close();
  });
});
