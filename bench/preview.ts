import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { launchChromium } from "../test/helpers/browser.ts";
import { variant } from "./synthetic.ts";

// gazette preview's edit-to-reload time: the real `gazette preview N`
// process on the bench archive, its page open in headless Chromium (Debian's
// chromium); the bench saves issue N and times from the write to the page
// showing the new email (its "preview:shown" event, once the frames have
// reloaded; or its load event, had it reloaded whole), then checks the page
// shows the edit.
// The first save comes at once after the page opened, while the rebuild
// thread's first build (which warms it) may still run; the bench reports it
// apart from the saves after it.

export async function benchPreview(repo: string, root: string, number: number, rounds: number): Promise<number[]> {
  const child = spawn(process.execPath, [path.join(repo, "bin/gazette.js"), "-C", root, "preview", String(number), "-p", "0"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const browser = await launchChromium();
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const found = output.match(/email #\d+\s+(http:\/\/\S+)/);
        if (found) {
          clearInterval(timer);
          resolve(found[1]!);
        }
      }, 20);
      child.on("exit", (code) => reject(new Error(`gazette preview exited (${code}):\n${output}`)));
    });
    const page = await browser.newPage();
    await page.goto(url);
    const file = path.join(root, "content/issues", `${String(number).padStart(4, "0")}.md`);
    const template = await readFile(path.join(repo, "content/issues/036.md"), "utf8");
    const date = (await readFile(file, "utf8")).match(/^date: (.*)$/m)![1]!;
    const times: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const marker = `(预览${round})`;
      // Each save finds the preview idle: the last rebuild has finished (the page
      // reloads before it does, with the email made first), and the page's long poll is waiting again.
      const rebuilt = round - 1;
      for (const until = Date.now() + 30_000; (output.match(/^rebuilt: /gm) ?? []).length < rebuilt && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 300));
      // The page shows a new email in place ("preview:shown" once its frames have loaded), or reloads whole when it cannot.
      const shown = page.evaluate<boolean>(`new Promise((resolve) => document.addEventListener("preview:shown", () => resolve(true), { once: true }))`);
      const reloaded = page.waitForEvent("load", { timeout: 30_000 });
      const started = performance.now();
      await writeFile(file, variant(template, number, date, marker));
      await Promise.race([shown, reloaded]).catch(() => reloaded);
      times.push((performance.now() - started) / 1000);
      for (const frame of page.frames()) {
        if (!(await frame.content()).includes(marker)) throw new Error(`the preview showed a page or frame without the edit (${marker}): ${frame.url()}`);
      }
    }
    return times;
  } finally {
    await browser.close();
    // Gone before the bench removes the archive: its rebuild thread may still be writing the cache.
    const exited = new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
    child.kill("SIGTERM");
    await exited;
  }
}
