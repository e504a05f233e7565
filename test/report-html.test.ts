import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { renderReportHtml, type ReportInput } from "../src/render/report/report-html.ts";
import { weeksFrom } from "../src/render/report/weeks.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { horizontalOverflow, launchChromium, platformFonts } from "./helpers/browser.ts";
import { runCli } from "./helpers/processes.ts";
import { makeProject, tempDir } from "./helpers/project.ts";

const INPUT: ReportInput = {
  title: "预训练周刊",
  language: "zh-CN",
  at: "2022-02-01 08:00",
  weeks: weeksFrom(
    [
      { createdAt: "2022-01-03T10:00:00Z", confirmedAt: "2022-01-03T11:00:00Z", unsubscribedAt: null, status: "confirmed", updatedAt: "2022-01-03T11:00:00Z" },
      { createdAt: "2022-01-04T10:00:00Z", confirmedAt: "2022-01-05T10:00:00Z", unsubscribedAt: "2022-01-19T10:00:00Z", status: "unsubscribed", updatedAt: "2022-01-19T10:00:00Z" },
      { createdAt: "2022-01-12T10:00:00Z", confirmedAt: "2022-01-12T10:05:00Z", unsubscribedAt: null, status: "bounced", updatedAt: "2022-01-24T03:00:00Z" },
      { createdAt: "2022-01-20T10:00:00Z", confirmedAt: null, unsubscribedAt: null, status: "pending", updatedAt: "2022-01-20T10:00:00Z" },
    ],
    new Date("2022-01-26T00:00:00Z"),
  ),
  issues: [{ issue: 36, sentAt: "2022-01-24T01:00:00Z", recipients: 3, accepted: 3, bounced: 1, complained: 0, unsubscribed: 1 }],
  clicks: [{ issue: 36, links: [{ label: "GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION · 论文地址", url: "https://arxiv.org/pdf/2201.05125v1.pdf", clicks: 7 }, { label: "代码下载", url: "https://github.com/google-research/growneuron", clicks: 3 }] }],
};

describe("the list week by week", () => {
  it("counts who joined, confirmed, left, bounced and complained each week, and the confirmed total at its end", () => {
    expect(INPUT.weeks).toEqual([
      { week: "2022-01-03", joined: 2, confirmed: 2, left: 0, bounced: 0, complained: 0, total: 2 },
      { week: "2022-01-10", joined: 1, confirmed: 1, left: 0, bounced: 0, complained: 0, total: 3 },
      { week: "2022-01-17", joined: 1, confirmed: 0, left: 1, bounced: 0, complained: 0, total: 2 },
      { week: "2022-01-24", joined: 0, confirmed: 0, left: 0, bounced: 1, complained: 0, total: 1 },
    ]);
  });
});

describe("gazette report --html", () => {
  it("is one self-contained page: no script, nothing loaded from elsewhere, every chart titled and described, numbers in tables", () => {
    const html = renderReportHtml(INPUT);
    expect(html).not.toMatch(/<script|<link |<img | src=|@import|url\(/i);
    const charts = [...html.matchAll(/<svg [^>]*>([\s\S]*?)<\/svg>/g)].map((m) => m[0]);
    expect(charts).toHaveLength(3);
    for (const svg of charts) {
      expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="([\w-]+-t) ([\w-]+-d)"/);
      expect(svg).toMatch(/<title id="[\w-]+-t">[^<]+<\/title><desc id="[\w-]+-d">[^<]{20,}<\/desc>/);
    }
    expect(html).toContain("<desc id=\"weeks-chart-d\">2022-01-03 那一周结束时有确认订阅者 2 人，2022-01-24 那一周结束时有 1 人；其间新加入 4 人，退订 1 人，退信 1 人，投诉 0 人。</desc>");
    expect(html).toContain("<h2>每期投递情况</h2>");
    expect(html).toContain("<tr><td>#36 (2022-01-24)</td><td>3</td><td>3</td><td>1</td><td>0</td><td>1</td></tr>");
    expect(html).toContain("<td class=\"label\">代码下载 · https://github.com/google-research/growneuron</td><td>3</td>");
    // English labels for an English newsletter; the same structure.
    const en = renderReportHtml({ ...INPUT, title: "Weekly", language: "en" });
    expect(en).toContain("<h2>What became of each issue</h2>");
    expect(en).toContain('<html lang="en">');
    // Identical figures, identical bytes.
    expect(renderReportHtml(INPUT)).toBe(html);
  });

  it("is written by gazette report --html from the store after a real send, naming what it wrote", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const env = { ...process.env, SMTP_URL: "", GAZETTE_RETRY_BASE_MS: "5" };
    for (const email of ["a@example.org", "b@example.org", "c@example.org"]) expect((await runCli(["subscribers", "add", email], root, env)).status).toBe(0);
    expect((await runCli(["send", "36", "--yes"], root, env)).status).toBe(0);
    const out: string[] = [];
    const file = path.join(await tempDir(), "report.html");
    const cli = await runCli(["report", "--html", file], root, env);
    expect(cli.status).toBe(0);
    out.push(cli.stdout);
    expect(out.join("")).toMatch(/^wrote .*report\.html \(\d+\.\d KB\): open it in any browser\n$/);
    const html = await readFile(file, "utf8");
    expect(html).toMatch(/<tr><td>#36[^<]*<\/td><td>3<\/td><td>3<\/td>/);
    // A file it cannot write is named, and nothing is left behind.
    const nowhere = path.join(await tempDir(), "no-such-folder", "report.html");
    const refused = await runCli(["report", "--html", nowhere], root, env);
    expect([refused.status, refused.stderr]).toEqual([1, `gazette: --html: cannot write ${nowhere}: ENOENT (is its folder there, and writable?)\n`]);
    // The same weeks in the terminal and as JSON.
    const weeks = await runCli(["report", "--weeks"], root, env);
    expect(weeks.stdout).toMatch(/^week {8}joined  confirmed  left  bounced  complained  total\n\d{4}-\d\d-\d\d       3          3     0        0           0      3\n\(weeks from Monday/);
    expect(JSON.parse((await runCli(["report", "--weeks", "--json"], root, env)).stdout)).toEqual([{ week: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), joined: 3, confirmed: 3, left: 0, bounced: 0, complained: 0, total: 3 }]);
    // The funnel's bounces and complaints come from the feedback the store recorded afterwards.
    expect(html).toContain("<h2>每期投递情况</h2>");
  });
});

describe("papers readers chose, in the report", () => {
  it("names each clicked link by its paper, most clicked first, from the counts the store keeps", async () => {
    const root = await makeProject("issue-36");
    const yamlFile = path.join(root, "content/newsletter.yaml");
    await writeFile(yamlFile, `${await readFile(yamlFile, "utf8")}\nanalytics: { clicks: true }\n`);
    await build({ root });
    const links = (JSON.parse(await readFile(path.join(root, "dist/emails/36.json"), "utf8")) as { links: string[] }).links;
    const paper = links.indexOf("https://arxiv.org/pdf/2201.05125v1.pdf") + 1;
    const code = links.indexOf("https://github.com/google-research/growneuron") + 1;
    expect(paper * code).toBeGreaterThan(0);
    const store = new SqliteStore(path.join(root, "data/gazette.sqlite"));
    for (let i = 0; i < 3; i++) await store.schedules.countClick(36, paper, new Date("2022-01-24T02:00:00Z"));
    await store.schedules.countClick(36, code, new Date("2022-01-25T02:00:00Z"));
    await store.close();
    const file = path.join(await tempDir(), "report.html");
    expect((await runCli(["report", "--html", file], root, { ...process.env, SMTP_URL: "" })).status).toBe(0);
    const html = await readFile(file, "utf8");
    expect(html).toContain("<h2>读者点击的论文 #36</h2>");
    const rows = [...html.slice(html.indexOf('id="clicks-36"')).matchAll(/<td class="label">([^<]+)<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ["GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION · 论文地址 · https://arxiv.org/pdf/2201.05125v1.pdf", "3"],
      ["GRADMAX: GROWING NEURAL NETWORKS USING GRADIENT INFORMATION · 代码下载 · https://github.com/google-research/growneuron", "1"],
    ]);
  });
});

describe("the report in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    [375, 812],
    [1280, 900],
  ])("fits %i px with no sideways scrolling, names every chart, and draws Chinese with a CJK font", async (width, height) => {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(renderReportHtml(INPUT));
    expect(await horizontalOverflow(page)).toBe(0);
    const names = await page.evaluate<string[]>("[...document.querySelectorAll('svg[role=img]')].map((svg) => svg.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id).textContent).join(' | '))");
    expect(names).toHaveLength(3);
    for (const name of names) expect(name).toMatch(/^[^|]+ \| .{20,}$/);
    for (const box of await page.evaluate<{ w: number; x: number }[]>("[...document.querySelectorAll('svg')].map((e) => { const r = e.getBoundingClientRect(); return { w: r.width, x: r.x }; })")) {
      expect(box.x + box.w).toBeLessThanOrEqual(width);
    }
    const fonts = await platformFonts(page, "h2");
    expect(fonts.some((f) => /CJK|Noto Sans SC|Source Han/i.test(f.familyName))).toBe(true);
    await page.close();
  });
});
