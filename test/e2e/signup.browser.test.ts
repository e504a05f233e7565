import { spawnSync } from "node:child_process";
import path from "node:path";
import Database from "better-sqlite3";
import { simpleParser, type ParsedMail } from "mailparser";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { horizontalOverflow, launchChromium } from "../helpers/browser.ts";
import { CLI, freePort, runCli, startServe } from "../helpers/processes.ts";
import { makeProject } from "../helpers/project.ts";
import { startSmtpServer } from "../helpers/smtp.ts";

/**
 * A reader's whole life on the list, in headless Chromium against the real
 * `gazette serve` process, with mail going to a real SMTP server: sign up
 * through the form on the archive page, confirm from the link in the mail
 * that arrived, receive issue 36 from `gazette send`, unsubscribe from the
 * link in that message, and come back. JavaScript is off in the browser:
 * every step is a plain HTML form. The store (the real SQLite file) is
 * read after each step.
 */
describe("sign up, confirm, receive, unsubscribe: in a browser", () => {
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let server: Awaited<ReturnType<typeof startServe>> | undefined;
  let root: string;
  let base: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    root = await makeProject("issue-36");
    smtp = await startSmtpServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { ...process.env, SMTP_URL: smtp.url, GAZETTE_PUBLIC_URL: `${base}/`, GAZETTE_SECRET: "e2e secret", NO_COLOR: "1" };
    expect(spawnSync(process.execPath, [CLI, "build"], { cwd: root, env, encoding: "utf8" }).status).toBe(0);
    server = await startServe(root, port, env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await smtp?.close();
  });

  function statusOf(email: string): string | undefined {
    const db = new Database(path.join(root, "data/gazette.sqlite"), { readonly: true });
    try {
      return (db.prepare("SELECT status FROM subscribers WHERE email = ?").get(email) as { status: string } | undefined)?.status;
    } finally {
      db.close();
    }
  }

  async function waitForMail(to: string, subject: RegExp): Promise<ParsedMail> {
    for (let i = 0; i < 100; i++) {
      for (const m of smtp.accepted.filter((a) => a.to.includes(to))) {
        const mail = await simpleParser(m.raw);
        if (subject.test(mail.subject ?? "")) return mail;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no mail to ${to} matching ${subject} within 10 s`);
  }

  it("takes a reader from the signup form to confirmed, to issue 36 in their inbox, to unsubscribed and back", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 900 } });
    const page: Page = await context.newPage();
    const reader = "new.reader@example.org";

    // 1. The form on the archive's front page.
    await page.goto(`${base}/`);
    await page.getByLabel("邮箱地址").fill(reader);
    await page.getByRole("button", { name: "订阅", exact: true }).click();
    await expect.poll(() => page.url()).toBe(`${base}/subscribe`);
    expect(await page.getByRole("status").innerText()).toContain(`请查收 ${reader} 的邮箱`);
    expect(statusOf(reader)).toBe("pending");

    // 2. The confirmation mail: open its link; the page only asks.
    const confirmation = await waitForMail(reader, /^请确认订阅《预训练周刊》$/);
    const confirmLink = /href="([^"]+\/confirm\/[^"]+)"/.exec(confirmation.html as string)![1]!;
    expect(confirmLink.startsWith(`${base}/confirm/`)).toBe(true);
    await page.goto(confirmLink);
    expect(await page.locator("main").innerText()).toContain("确认订阅《预训练周刊》？地址：n*********@example.org");
    expect(statusOf(reader)).toBe("pending");
    await page.getByRole("button", { name: "确认订阅" }).click();
    expect(await page.getByRole("status").innerText()).toBe("订阅成功！以后每期《预训练周刊》都会发到你的邮箱。");
    expect(statusOf(reader)).toBe("confirmed");

    // 3. The editor sends issue 36.
    // Not spawnSync: the SMTP server lives in this process and must keep answering.
    const sent = await runCli(["send", "36", "--yes"], root, env);
    expect(sent.status).toBe(0);
    expect(sent.stdout).toContain("sent 1, failed 0");
    const issue = await waitForMail(reader, /第36期/);
    const list = issue.headers.get("list") as { unsubscribe: { url: string } };
    const unsubscribeLink = list.unsubscribe.url;
    expect(unsubscribeLink.startsWith(`${base}/unsubscribe/`)).toBe(true);
    expect(issue.html).toContain(`href="${unsubscribeLink}"`);

    // 4. The unsubscribe link in the message that arrived.
    await page.goto(unsubscribeLink);
    expect(await page.locator("main").innerText()).toContain("确定不再收到《预训练周刊》吗？地址：n*********@example.org");
    expect(statusOf(reader)).toBe("confirmed");
    await page.getByRole("button", { name: "退订" }).click();
    expect(await page.getByRole("status").innerText()).toBe("已退订。你不会再收到《预训练周刊》。");
    expect(statusOf(reader)).toBe("unsubscribed");

    // 5. Changed their mind.
    await page.getByRole("button", { name: "重新订阅" }).click();
    expect(await page.getByRole("status").innerText()).toBe("欢迎回来！你重新订阅了《预训练周刊》。");
    expect(statusOf(reader)).toBe("confirmed");
    await context.close();
  });

  it("keeps the form usable on a phone: no sideways scrolling, the field and button side by side or stacked in view", async () => {
    const page = await browser.newPage({ viewport: { width: 320, height: 700 } });
    await page.goto(`${base}/issues/36/`);
    const form = page.locator("form.signup");
    const box = (await form.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(320);
    expect(await horizontalOverflow(page)).toBe(0);
    // The honeypot is in the form but not on screen.
    const hp = (await page.locator("#signup-website").boundingBox())!;
    expect(hp.x + hp.width).toBeLessThan(0);
    await page.close();
  });
});
