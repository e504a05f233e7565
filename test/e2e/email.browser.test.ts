import { spawn, type ChildProcess } from "node:child_process";
import type { FastifyInstance } from "fastify";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { horizontalOverflow, launchChromium, platformFonts } from "../helpers/browser.ts";
import { serveFixture } from "../helpers/build.ts";
import { makeProject, REPO } from "../helpers/project.ts";

describe("the email in headless Chromium", () => {
  let browser: Browser;
  const servers: FastifyInstance[] = [];
  let issue36: string;
  let hostile: string;
  beforeAll(async () => {
    browser = await launchChromium();
    const [a, b] = await Promise.all([serveFixture("issue-36"), serveFixture("hostile")]);
    servers.push(a.app, b.app);
    issue36 = a.base;
    hostile = b.base;
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it.each([375, 640])("shows every item of issue 36 at %i px, without horizontal scrolling on a phone", async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${issue36}/_preview/emails/36/html`);
    expect(await horizontalOverflow(page)).toBe(0);
    const titles = page.locator("h3");
    expect(await titles.count()).toBe(12);
    for (let i = 0; i < 12; i++) {
      const box = await titles.nth(i).boundingBox();
      expect(box!.width).toBeGreaterThan(width === 375 ? 250 : 500);
      expect(box!.x + box!.width).toBeLessThanOrEqual(width);
    }
    expect(await page.locator("body").innerText()).toContain("你收到这封邮件，是因为 reader@example.org 订阅了《预训练周刊》。");
    await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR ?? "/tmp", `email-36-${width}.png`) });
    await page.close();
  });

  it("draws the Chinese text in a CJK font", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 900 } });
    await page.goto(`${issue36}/_preview/emails/36/html`);
    for (const selector of ["h1", "h2", "h3 + p"]) {
      const fonts = await platformFonts(page, selector);
      const cjk = fonts.filter((f) => /CJK|Han Sans|Noto Sans SC|PingFang|YaHei|Hiragino/i.test(f.familyName));
      expect(cjk.reduce((n, f) => n + f.glyphCount, 0), `${selector}: ${JSON.stringify(fonts)}`).toBeGreaterThan(3);
    }
    await page.close();
  });

  it("shows the confirmation mail on a phone: its button, its link as text, Chinese in a CJK font", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 900 } });
    await page.goto(`${issue36}/_preview/emails/`);
    await page.getByRole("link", { name: "the confirmation mail" }).click();
    expect(await page.locator("#subject").innerText()).toBe("请确认订阅《预训练周刊》");
    await page.goto(`${issue36}/_preview/emails/confirm/html`);
    expect(await horizontalOverflow(page)).toBe(0);
    const button = page.getByRole("link", { name: "确认订阅" });
    const box = (await button.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(await button.getAttribute("href")).toBe(`${issue36}/_preview/confirm`);
    expect(await page.locator("body").innerText()).toContain("有人（希望是你）用 reader@example.org 订阅了《预训练周刊》");
    const fonts = await platformFonts(page, "h1");
    expect(fonts.some((f) => /CJK|Han Sans|Noto Sans SC/i.test(f.familyName)), JSON.stringify(fonts)).toBe(true);
    await page.close();
  });

  it("renders the hostile fixture's 60 items on a phone, with its <script> as text", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 900 } });
    await page.goto(`${hostile}/_preview/emails/3/html`);
    expect(await page.locator("h3").count()).toBe(60);
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await page.locator("body").innerText()).toContain("<script>window.__pwned = true</script>");
    await page.close();
  });
});

describe("gazette preview", () => {
  let browser: Browser;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    // Gone before the project folder is removed: its rebuild thread may still be writing the cache.
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await browser?.close();
  });

  it("shows subject, HTML and text for a sample reader, and reloads itself after the content changes", async () => {
    const root = await makeProject("issue-36");
    child = spawn(process.execPath, [path.join(REPO, "bin/gazette.js"), "preview", "36", "--port", "0"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child!.stdout!.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /email #36 {2}(http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child!.on("exit", () => reject(new Error(`preview exited: ${out}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(url);
    await expect(page.locator("#subject").innerText()).resolves.toBe("《预训练周刊》第36期：谷歌提出梯度最大化增长方法GradMax");
    await expect(page.locator("#text").innerText()).resolves.toContain("你收到这封邮件，是因为 reader@example.org 订阅了《预训练周刊》。");
    const frame = page.frameLocator('iframe[title="HTML part at 375 px"]');
    await expect(frame.locator("h1").innerText()).resolves.toBe("谷歌提出梯度最大化增长方法GradMax");

    const file = path.join(root, "content/issues/036.md");
    // The new email is shown in place: the page stays (this mark survives), its parts and frames change.
    await page.evaluate("window.__samePage = true");
    const shown = page.evaluate<string>(`new Promise((resolve) => document.addEventListener("preview:shown", (e) => resolve(e.detail.version), { once: true }))`);
    await writeFile(file, (await readFile(file, "utf8")).replace("title: 谷歌提出梯度最大化增长方法GradMax", "title: 预览会自己刷新"));
    // Polled from outside: the page's CSP (no eval) rightly refuses waitForFunction's string.
    await expect.poll(() => page.locator("#subject").innerText(), { timeout: 20_000, interval: 250 }).toContain("预览会自己刷新");
    const version = await shown;
    for (const title of ["HTML part at 375 px", "HTML part at 640 px", "HTML part at 375 px with images blocked"]) {
      await expect(page.frameLocator(`iframe[title="${title}"]`).locator("h1").innerText()).resolves.toBe("预览会自己刷新");
    }
    await expect(page.locator("#text").innerText()).resolves.toContain("预览会自己刷新");
    await expect(page.title()).resolves.toContain("预览会自己刷新");
    expect(await page.evaluate("window.__samePage")).toBe(true);
    // The server was told the page shows the new email: the held rest of the rebuild went on and published it.
    await expect.poll(() => readFile(path.join(root, "dist/emails/36.html"), "utf8"), { timeout: 20_000, interval: 100 }).toContain("预览会自己刷新");
    // The version the page says it shows is the email's, as the server now has it.
    const now = (await (await fetch(new URL("/_preview/emails/36/version", url))).json()) as { version: string };
    expect(version).toBe(now.version);
    await page.close();
  });
});
