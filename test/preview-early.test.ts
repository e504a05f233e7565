import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { distFileText, type DistFile } from "../src/build/write-dist.ts";
import { acquireLock } from "../src/lock.ts";
import { createApp } from "../src/server/app.ts";
import { EarlyEmails } from "../src/server/preview.ts";
import { makeProject, snapshotTree } from "./helpers/project.ts";

// gazette preview shows the edited issue's email as soon as a rebuild has
// made it: the build makes the emails first and hands them over, and the
// preview serves that copy until the rebuild ends. dist/ still changes only
// as a whole.

const TITLE = "title: 谷歌提出梯度最大化增长方法GradMax";
const text = (body: DistFile | undefined) => distFileText(body!);

describe("a rebuild's emails, made first", () => {
  it("are handed over before dist/ changes, and a rebuild that then fails leaves dist/ as it was", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(TITLE, "title: 先做好的邮件"));
    // Another build holds dist/: this one fails when it comes to write, after its emails.
    const release = acquireLock(path.join(root, ".gazette-tmp-dist-lock"), "a test holds dist/");
    const seen: Array<{ early: string; published: string; files: string[] }> = [];
    try {
      await expect(
        build({
          root,
          onEmails: (files) => {
            seen.push({ early: text(files.get("emails/36.html")), published: readFileSync(path.join(root, "dist/emails/36.html"), "utf8"), files: [...files.keys()].sort() });
          },
        }),
      ).rejects.toThrow(/another build is writing/);
    } finally {
      release();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.files).toEqual(["emails/36.html", "emails/36.json", "emails/36.txt", "emails/confirm.html", "emails/confirm.json", "emails/confirm.txt"]);
    expect(seen[0]!.early).toContain("先做好的邮件");
    expect(seen[0]!.published).not.toContain("先做好的邮件");
    expect(await snapshotTree(path.join(root, "dist"))).toEqual(before);
    // The next build publishes what was handed over, byte for byte.
    let handed = "";
    await build({ root, onEmails: (files) => void (handed = text(files.get("emails/36.html"))) });
    expect(await readFile(path.join(root, "dist/emails/36.html"), "utf8")).toBe(handed);
  });

  it("with emailsFirst, hands over that issue's email alone before the others are looked at, and still builds them all", async () => {
    const root = await makeProject("issue-36");
    await build({ root });
    const before = await snapshotTree(path.join(root, "dist"));
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(TITLE, "title: 先做的一封"));
    const handed: string[][] = [];
    const result = await build({
      root,
      emailsFirst: [36],
      onEmails: (files) => {
        handed.push([...files.keys()].sort());
        // The build waits for the handover to finish: dist/ is untouched meanwhile.
        expect(text(files.get("emails/36.html"))).toContain("先做的一封");
      },
    });
    expect(handed).toEqual([["emails/36.html", "emails/36.json", "emails/36.txt"]]);
    // Made ahead, it still counts as made by this build; the confirmation mail came from the cache.
    expect(result.emails.find((e) => e.number === 36)).toMatchObject({ compiled: true });
    const after = await snapshotTree(path.join(root, "dist"));
    const emailFiles = (tree: Map<string, string>) => [...tree.keys()].filter((f) => f.startsWith("emails/")).sort();
    expect(emailFiles(after)).toEqual(emailFiles(before));
    await expect(readFile(path.join(root, "dist/emails/36.html"), "utf8")).resolves.toContain("先做的一封");
    expect(after.get("emails/confirm.html")).toBe(before.get("emails/confirm.html"));
  });
});

describe("the email preview with an early copy", () => {
  const apps: Array<{ close(): Promise<unknown> }> = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  /** Issue 36 built, and the app serving its email preview with an early copy to fill. */
  async function previewApp() {
    const root = await makeProject("issue-36");
    await build({ root });
    const early = new EarlyEmails();
    const app = await createApp({ distDir: path.join(root, "dist"), earlyEmails: early });
    apps.push(app);
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    const version = async () => ((await (await fetch(`${base}/_preview/emails/36/version`)).json()) as { version: string }).version;
    return { root, early, base, version };
  }

  it("serves the early copy while there is one, and keeps its version when dist/ then holds the same bytes", async () => {
    const { root, early, base, version } = await previewApp();
    const published = await version();

    // A rebuild made issue 36's email with a new title and has not swapped dist/ yet.
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(TITLE, "title: 先看到的标题"));
    let made = new Map<string, DistFile>();
    const release = acquireLock(path.join(root, ".gazette-tmp-dist-lock"), "a test holds dist/");
    await build({ root, onEmails: (files) => void (made = files) }).catch(() => {});
    release();
    early.take(new Map([...made].map(([file, body]) => [file, text(body)])));
    const changed = await version();
    expect(changed).not.toBe(published);
    await expect((await fetch(`${base}/_preview/emails/36/`)).text()).resolves.toContain("先看到的标题");
    await expect((await fetch(`${base}/_preview/emails/36/html`)).text()).resolves.toContain("先看到的标题");
    await expect((await fetch(`${base}/_preview/emails/36/text`)).text()).resolves.toContain("先看到的标题");
    // A page waiting for a change (?known=) is answered with the early copy's version.
    const waited = (await (await fetch(`${base}/_preview/emails/36/version?known=${published}`)).json()) as { version: string };
    expect(waited.version).toBe(changed);

    // The rebuild ends: dist/ has the same bytes, so the page need not reload again.
    await build({ root });
    early.clear();
    expect(await version()).toBe(changed);
    await expect((await fetch(`${base}/_preview/emails/36/html`)).text()).resolves.toContain("先看到的标题");
  });

  /** The early copy of issue 36 with its HTML changed. */
  function changedCopy(root: string, words: string): Map<string, string> {
    return new Map([
      ["emails/36.html", readFileSync(path.join(root, "dist/emails/36.html"), "utf8").replace("GradMax", words)],
      ["emails/36.txt", readFileSync(path.join(root, "dist/emails/36.txt"), "utf8")],
      ["emails/36.json", readFileSync(path.join(root, "dist/emails/36.json"), "utf8")],
    ]);
  }

  it("wakes a waiting page with the early copy, and the rebuild goes on once that page asks again showing it", async () => {
    const { root, early, base, version } = await previewApp();
    const published = await version();
    // With no page watching, the rebuild is not held at all.
    await expect(early.take(changedCopy(root, "没人在看"), 60_000)).resolves.toBeUndefined();
    early.clear();

    // A page showing the published email holds a long poll.
    const held = fetch(`${base}/_preview/emails/36/version?known=${published}`).then((r) => r.json() as Promise<{ version: string }>);
    await expect.poll(() => early.pagesWatching("36"), { timeout: 5000, interval: 10 }).toBe(1);
    let goneOn = false;
    const taken = early.take(changedCopy(root, "有人在看"), 60_000).then(() => void (goneOn = true));
    // The page is told at once, and reloads; until it asks again, the rebuild waits.
    const { version: changed } = await held;
    expect(changed).not.toBe(published);
    await expect((await fetch(`${base}/_preview/emails/36/html`)).text()).resolves.toContain("有人在看");
    expect(goneOn).toBe(false);
    // The reloaded page's first question names the version it shows (a long poll of its own).
    const next = fetch(`${base}/_preview/emails/36/version?known=${changed}`).then((r) => r.json() as Promise<{ version: string }>);
    await taken;
    expect(goneOn).toBe(true);
    // The rebuild fails and the early copy goes: the page is told to show the published email again.
    early.clear();
    await expect(next).resolves.toEqual({ version: published });
    expect(early.pagesWatching("36")).toBe(0);
  });

  it("holds a rebuild no longer than it was told to when the page never comes back", async () => {
    const { root, early, base, version } = await previewApp();
    const held = fetch(`${base}/_preview/emails/36/version?known=${await version()}`).then((r) => r.json());
    await expect.poll(() => early.pagesWatching("36"), { timeout: 5000, interval: 10 }).toBe(1);
    // The page is closed after it was told: nothing ever asks with the new version.
    await expect(early.take(changedCopy(root, "没回来"), 200)).resolves.toBeUndefined();
    await held;
  });

  it("holds no rebuild for a page that went away while it waited", async () => {
    const { root, early, base, version } = await previewApp();
    const tab = new AbortController();
    const held = fetch(`${base}/_preview/emails/36/version?known=${await version()}`, { signal: tab.signal }).catch(() => "gone");
    await expect.poll(() => early.pagesWatching("36"), { timeout: 5000, interval: 10 }).toBe(1);
    // The tab is closed; the server notices within its next look, and a rebuild then goes on at once.
    tab.abort();
    await expect(held).resolves.toBe("gone");
    await expect.poll(() => early.pagesWatching("36"), { timeout: 5000, interval: 10 }).toBe(0);
    await expect(early.take(changedCopy(root, "没人等"), 60_000)).resolves.toBeUndefined();
  });

  it("goes back to the published email when the rebuild fails", async () => {
    const { root, early, base, version } = await previewApp();
    const published = await version();
    const html = readFileSync(path.join(root, "dist/emails/36.html"), "utf8");
    early.take(new Map([
      ["emails/36.html", html.replace("GradMax", "Unpublished")],
      ["emails/36.txt", readFileSync(path.join(root, "dist/emails/36.txt"), "utf8")],
      ["emails/36.json", readFileSync(path.join(root, "dist/emails/36.json"), "utf8")],
    ]));
    expect(await version()).not.toBe(published);
    early.clear();
    expect(await version()).toBe(published);
    await expect((await fetch(`${base}/_preview/emails/36/html`)).text()).resolves.not.toContain("Unpublished");
  });
});
