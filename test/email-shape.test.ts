import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { MjmlPool } from "../src/build/compile-emails.ts";
import { readEmailTemplates } from "../src/build/read-templates.ts";
import { loadContent } from "../src/content/load.ts";
import { createEmailContext } from "../src/render/email/context.ts";
import { renderEmailMjml } from "../src/render/email/mjml.ts";
import { fillEmailShape, parseEmailShape, splitCompiledShape } from "../src/render/email/shape.ts";
import { planSite } from "../src/render/site.ts";
import { createSiteView } from "../src/render/web/archive.ts";
import { makeProject, REPO } from "./helpers/project.ts";

// The proof that filling a compiled shape gives, byte for byte, what mjml
// gives for each issue's own document (the bench checks the 1,000-issue
// archive the same way).

const pool = new MjmlPool();
afterAll(() => pool.close());

/** Builds the project, then compiles every issue's MJML directly: dist/emails/<n>.html must be that, byte for byte. */
async function buildAndCompileEach(root: string) {
  const result = await build({ root });
  const content = await loadContent(root);
  const templates = await readEmailTemplates(root);
  const site = createSiteView(content.newsletter);
  const planned = planSite(content.newsletter, content.issues);
  const direct = await pool.compile(
    planned.map((p) => ({ mjml: renderEmailMjml(createEmailContext(p.view(), site, content.newsletter), templates), template: "issue.mjml.hbs" })),
  );
  const emails = await Promise.all(
    planned.map(async (p, i) => ({
      number: p.summary.number,
      built: await readFile(path.join(root, "dist/emails", `${p.summary.number}.html`), "utf8"),
      direct: direct[i]!,
      route: result.emails.find((e) => e.number === p.summary.number)!.route,
    })),
  );
  return { result, emails };
}

describe("email HTML from compiled shapes", () => {
  it("issue 36: filled from its compiled shape, byte-identical to compiling its own MJML", async () => {
    const { emails } = await buildAndCompileEach(await makeProject("issue-36"));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.route).toBe("shape");
    expect(emails[0]!.built).toBe(emails[0]!.direct);
  });

  it("the hostile fixture: every issue byte-identical to compiling its own MJML, the hostile one through its shape", async () => {
    const { emails } = await buildAndCompileEach(await makeProject("hostile"));
    expect(emails.length).toBeGreaterThanOrEqual(4);
    for (const e of emails) expect(e.built, `issue ${e.number} (${e.route})`).toBe(e.direct);
    expect(emails.filter((e) => e.route === "shape").length).toBeGreaterThanOrEqual(3);
  });

  it("issues that differ only in their text share one shape: mjml compiles it once", async () => {
    const root = await makeProject("issue-36");
    const text = await readFile(path.join(root, "content/issues/036.md"), "utf8");
    for (const n of [37, 38, 39]) {
      await writeFile(path.join(root, `content/issues/0${n}.md`), text.replace(/^number: 36$/m, `number: ${n}`).replace(/^title: /m, `title: 第${n}期 & <b>"引号"</b> `));
    }
    const { emails } = await buildAndCompileEach(root);
    expect(emails).toHaveLength(4);
    for (const e of emails) {
      expect(e.route).toBe("shape");
      expect(e.built).toBe(e.direct);
    }
    const shapes = await import("node:fs/promises").then((fs) => fs.readdir(path.join(root, ".gazette/cache/shapes")));
    expect(shapes.filter((n) => n.endsWith(".html"))).toHaveLength(1);
  });

  it("text that juice treats as a template code block ({{ … }}) compiles as it is, and still matches", async () => {
    const root = await makeProject("issue-36");
    const file = path.join(root, "content/issues/036.md");
    await writeFile(file, (await readFile(file, "utf8")).replace(/^title: (.*)$/m, "title: $1 {{ 不是模板"));
    const { emails } = await buildAndCompileEach(root);
    expect(emails[0]!.route).toBe("direct");
    expect(emails[0]!.built).toBe(emails[0]!.direct);
    expect(emails[0]!.built).toContain("{{ 不是模板");
  });

  it("a template that puts an issue's text in an mj-* attribute gets a shape per issue, compiled per issue, and still matches", async () => {
    const root = await makeProject("issue-36");
    await cp(path.join(REPO, "emails"), path.join(root, "emails"), { recursive: true });
    const masthead = path.join(root, "emails/partials/masthead.mjml.hbs");
    await writeFile(masthead, `${await readFile(masthead, "utf8")}\n<mj-section><mj-column><mj-button href="{{issue.url}}">{{issue.title}}</mj-button></mj-column></mj-section>\n`);
    const text = await readFile(path.join(root, "content/issues/036.md"), "utf8");
    await writeFile(path.join(root, "content/issues/037.md"), text.replace(/^number: 36$/m, "number: 37"));
    const { emails } = await buildAndCompileEach(root);
    for (const e of emails) {
      expect(e.built).toBe(e.direct);
      expect(e.built).toContain(`/issues/${e.number}/`);
    }
    const shapes = await import("node:fs/promises").then((fs) => fs.readdir(path.join(root, ".gazette/cache/shapes")));
    expect(shapes.filter((n) => n.endsWith(".html"))).toHaveLength(2);
  });
});

describe("shapes", () => {
  it("carry text and link targets as runs, tags, classes and styles as shape", () => {
    const shape = parseEmailShape('<mjml><mj-body><mj-text css-class="x"> <p class="a" style="b">Hi &amp; <a href="https://e.org/?a=1&amp;b=2" lang="en">there</a></p>\n</mj-text></mj-body></mjml>')!;
    expect(shape.document).toBe('<mjml><mj-body><mj-text css-class="x"> <p class="a" style="b">gzrun0x <a href="gzrun1x" lang="gzrun2x">gzrun3x</a></p>\n</mj-text></mj-body></mjml>');
    expect(shape.runs).toEqual(["Hi &amp;", "https://e.org/?a=1&amp;b=2", "en", "there"]);
  });

  it("are refused when a run holds a code-block marker or a sentinel", () => {
    expect(parseEmailShape("<mj-text>a {{ b</mj-text>")).toBeUndefined();
    expect(parseEmailShape("<mj-text>gzrun0x</mj-text>")).toBeUndefined();
    expect(parseEmailShape("<mj-text><style>p{}</style></mj-text>")).toBeUndefined();
  });

  it("are filled wherever mjml put each run, and cannot be when mjml dropped or altered one", () => {
    const compiled = splitCompiledShape("<title>gzrun0x</title> a gzrun0x b gzrun1x c", 2)!;
    expect(fillEmailShape(compiled, ["T", "U"])).toBe("<title>T</title> a T b U c");
    expect(splitCompiledShape("a gzrun0x b GZRUN1X c", 2)).toBeUndefined();
    expect(splitCompiledShape("a gzrun0x b gzrun2x", 2)).toBeUndefined();
  });
});
