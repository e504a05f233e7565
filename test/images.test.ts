import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import Parser from "rss-parser";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { build } from "../src/build/build.ts";
import { codeVersion } from "../src/build/code-version.ts";
import { MjmlPool } from "../src/build/compile-emails.ts";
import { readEmailTemplates } from "../src/build/read-templates.ts";
import { ImageCache } from "../src/images/cache.ts";
import { processImages } from "../src/images/images.ts";
import { createEmailContext } from "../src/render/email/context.ts";
import { renderEmailMjml } from "../src/render/email/mjml.ts";
import { planSite } from "../src/render/site.ts";
import { createSiteView } from "../src/render/web/archive.ts";
import { loadContent } from "../src/content/load.ts";
import { ContentError, formatProblems } from "../src/errors.ts";
import { atomProblems } from "./helpers/atom-rules.ts";
import { addFiguresToIssue36, chartPng, hugePng, photoWithGps, SAFE_SVG, SCRIPTED_SVG, truncatedPng, writeFiles } from "./helpers/images.ts";
import { makeProject } from "./helpers/project.ts";
import { parseXmlStrict, xmllint } from "./helpers/xml.ts";

const FIGURES = `        figures:
          - { src: 036/fig-gradmax.png, alt: GradMax 的网络增长示意图, caption: 图1:GradMax 在训练中添加神经元 }
          - { src: ../images/photo.jpg, alt: 实验室的照片 }
`;

async function projectWithFigures(): Promise<string> {
  const root = await makeProject("issue-36");
  await writeFiles(root, { "content/issues/036/fig-gradmax.png": await chartPng(), "content/images/photo.jpg": await photoWithGps(), "content/images/diagram.svg": SAFE_SVG });
  await addFiguresToIssue36(root, FIGURES, "![矢量示意图](../images/diagram.svg)");
  return root;
}

async function problemsOf(root: string): Promise<string> {
  try {
    await loadContent(root);
  } catch (err) {
    if (err instanceof ContentError) return formatProblems(err.problems);
    throw err;
  }
  throw new Error("expected problems");
}

describe("gazette check on the pictures an issue uses", () => {
  it("reports each bad picture where it is used: missing, unreadable, damaged, too large, unsafe, outside content/, without alt", async () => {
    const root = await makeProject("issue-36");
    await writeFiles(root, {
      "content/issues/036/corrupt.png": Buffer.from("not an image at all"),
      "content/issues/036/cut.png": await truncatedPng(),
      "content/issues/036/huge.png": await hugePng(),
      "content/issues/036/script.svg": SCRIPTED_SVG,
      "secret.png": await chartPng(),
    });
    await addFiguresToIssue36(
      root,
      `        figures:
          - { src: 036/missing.png, alt: a }
          - { src: 036/corrupt.png, alt: b }
          - { src: 036/cut.png, alt: c }
          - { src: 036/huge.png, alt: d }
          - { src: 036/script.svg, alt: e }
          - { src: ../../secret.png, alt: f }
`,
      "![](036/cut.png)",
    );
    expect(await problemsOf(root)).toBe(`content/issues/036.md: 8 problems
  line 55   sections[0].items[3].figures[0].src: content/issues/036/missing.png: expected an image file, found no such file
  line 56   sections[0].items[3].figures[1].src: content/issues/036/corrupt.png: expected a readable PNG, JPEG, WebP, GIF or SVG image, received a file sharp cannot read as an image
  line 57   sections[0].items[3].figures[2].src: content/issues/036/cut.png: expected a complete PNG image, received a damaged or truncated file
  line 58   sections[0].items[3].figures[3].src: content/issues/036/huge.png: expected at most 40,000,000 pixels (images.max_pixels), received 9000×6000 (54,000,000)
  line 59   sections[0].items[3].figures[4].src: content/issues/036/script.svg: expected an SVG with no script and no references to other documents, received it contains a <script> element
  line 60   sections[0].items[3].figures[5].src: expected a path to an image inside content/ (relative to the issue file) or an https URL, received "../../secret.png"
  line 155  lead: expected alt text: what the image shows, for readers who cannot see it, received "036/cut.png"
  line 155  lead: content/issues/036/cut.png: expected a complete PNG image, received a damaged or truncated file`);
  });
});

describe("gazette build with figures", () => {
  it("makes every size the outputs need, named by a hash of their bytes, with no metadata, and reuses them on a rebuild", async () => {
    const root = await projectWithFigures();
    const first = await build({ root });
    expect(first.imagesProcessed).toBe(3);
    const names = (await readdir(path.join(root, "dist/images"))).sort();
    const sizes = names.map((n) => n.replace(/-[0-9a-f]{12}-/, "-#-")).sort();
    expect(sizes).toEqual([
      "diagram-#-1200.png",
      "diagram-#-400.svg",
      "diagram-#-600.png",
      "fig-gradmax-#-1200.png",
      "fig-gradmax-#-1200.webp",
      "fig-gradmax-#-1600.png",
      "fig-gradmax-#-1600.webp",
      "fig-gradmax-#-600.png",
      "fig-gradmax-#-600.webp",
      "photo-#-1200.jpg",
      "photo-#-1200.webp",
      "photo-#-1800.jpg",
      "photo-#-1800.webp",
      "photo-#-600.jpg",
      "photo-#-600.webp",
    ]);
    for (const name of names.filter((n) => !n.endsWith(".svg"))) {
      const meta = await sharp(path.join(root, "dist/images", name)).metadata();
      expect([name, meta.width]).toEqual([name, Number(/-(\d+)\.\w+$/.exec(name)![1])]);
      // No EXIF (the photo's GPS position and camera), no XMP, no IPTC.
      expect([name, meta.exif, meta.xmp, meta.iptc]).toEqual([name, undefined, undefined, undefined]);
    }
    expect((await sharp(await photoWithGps()).metadata()).exif).toBeDefined();

    const again = await build({ root });
    expect(again.imagesProcessed).toBe(0);
    expect((await readdir(path.join(root, "dist/images"))).sort()).toEqual(names);

    // A changed picture is processed again, and the page shows the new file.
    const page = () => readFile(path.join(root, "dist/issues/36/index.html"), "utf8");
    const before = await page();
    await writeFile(path.join(root, "content/images/photo.jpg"), await sharp(await photoWithGps()).negate().jpeg().toBuffer());
    const changed = await build({ root });
    expect(changed.imagesProcessed).toBe(1);
    const after = await page();
    const photoOf = (html: string) => html.match(/images\/photo-[0-9a-f]{12}-1200\.jpg/)?.[0];
    expect(photoOf(after)).toBeDefined();
    expect(photoOf(after)).not.toBe(photoOf(before));
  });

  it("shows each figure on its page with its size, a WebP srcset, alt text, lazy loading and its caption, and a card for shared links", async () => {
    const root = await projectWithFigures();
    await build({ root });
    const html = await readFile(path.join(root, "dist/issues/36/index.html"), "utf8");
    // On the page the pictures load from the site the page is on.
    const base = "\\.\\./\\.\\./images/";
    const figure = html.match(/<figure class="figure">[\s\S]*?<\/figure>/)![0];
    expect(figure).toMatch(new RegExp(`<source type="image/webp" srcset="${base}fig-gradmax-[0-9a-f]{12}-600\\.webp 600w, ${base}fig-gradmax-[0-9a-f]{12}-1200\\.webp 1200w, ${base}fig-gradmax-[0-9a-f]{12}-1600\\.webp 1600w"`));
    expect(figure).toMatch(/<img src="[^"]+fig-gradmax-[0-9a-f]{12}-1200\.png" srcset="[^"]+600\.png 600w, [^"]+1200\.png 1200w, [^"]+1600\.png 1600w" sizes="[^"]+" width="1600" height="900" alt="GradMax 的网络增长示意图" loading="lazy" decoding="async">/);
    expect(figure).toContain("<figcaption>图1:GradMax 在训练中添加神经元</figcaption>");
    // The lead's SVG is drawn as PNG (the same markup goes to mail, which shows no SVG), with its size.
    expect(html).toMatch(/<img src="[^"]+diagram-[0-9a-f]{12}-600\.png" srcset="[^"]+diagram-[0-9a-f]{12}-600\.png 1x, [^"]+diagram-[0-9a-f]{12}-1200\.png 2x" width="400" height="200" alt="矢量示意图" loading="lazy" decoding="async">/);
    // A paragraph that is only a picture is not the page's description.
    expect(html).toMatch(/<meta name="description" content="本期周刊/);
    expect(html).toMatch(/<meta property="og:image" content="https:\/\/pretraining-weekly\.example\.org\/images\/fig-gradmax-[0-9a-f]{12}-1600\.png">/);
    expect(html).toContain('<meta property="og:image:width" content="1600">');
    expect(html).toContain('<meta property="og:image:height" content="900">');
  });

  it("mails figures as absolute JPEG or PNG URLs with width and alt, and names each in the text part with its URL", async () => {
    const root = await projectWithFigures();
    await build({ root });
    const html = await readFile(path.join(root, "dist/emails/36.html"), "utf8");
    const images = [...html.matchAll(/<img [^>]*>/g)].map((m) => m[0]);
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const img of images) {
      expect(img).toMatch(/ src="https:\/\/pretraining-weekly\.example\.org\/images\/[^"]+\.(png|jpg)"/);
      expect(img).toMatch(/ width="\d+"/);
      expect(img).toMatch(/ alt="[^"]+"/);
      expect(img).not.toMatch(/\.webp|\.svg/);
    }
    expect(images.find((i) => i.includes("fig-gradmax"))).toMatch(/width="592" height="333"/);
    expect(images.find((i) => i.includes("fig-gradmax"))).toMatch(/srcset="[^"]+-600\.png 1x, [^"]+-1200\.png 2x"/);
    const text = await readFile(path.join(root, "dist/emails/36.txt"), "utf8");
    expect(text).toMatch(/图：图1:GradMax 在训练中添加神经元\n\s*https:\/\/pretraining-weekly\.example\.org\/images\/fig-gradmax-[0-9a-f]{12}-1200\.png\n/);
    expect(text).toMatch(/图：实验室的照片\n\s*https:\/\/\S+photo-[0-9a-f]{12}-1200\.jpg\n/);
    expect(text).toMatch(/图：矢量示意图\n\s*https:\/\/\S+diagram-[0-9a-f]{12}-400\.svg\n/);
  });

  it("gives feed entries the same absolute image URLs, and the first figure as the entry's image, in valid feeds", async () => {
    const root = await projectWithFigures();
    await build({ root });
    const read = (f: string) => readFile(path.join(root, "dist", f), "utf8");
    const [rss, atom, json] = await Promise.all([read("rss.xml"), read("atom.xml"), read("feed.json")]);
    for (const xml of [rss, atom]) expect(xmllint(xml)).toEqual({ status: 0, output: "" });
    expect(atomProblems(parseXmlStrict(atom))).toEqual([]);
    const largest = /https:\/\/pretraining-weekly\.example\.org\/images\/fig-gradmax-[0-9a-f]{12}-1600\.png/;
    const parser = new Parser<object, { "media:content": { $: Record<string, string> } }>({ customFields: { item: ["media:content"] } });
    const rssItem = (await parser.parseString(rss)).items[0]!;
    expect(rssItem["media:content"].$).toMatchObject({ medium: "image", type: "image/png", width: "1600", height: "900" });
    expect(rssItem["media:content"].$.url).toMatch(largest);
    expect((rssItem as unknown as Record<string, string>)["content:encoded"]).toMatch(/src="https:\/\/pretraining-weekly\.example\.org\/images\/fig-gradmax-/);
    expect(atom).toMatch(new RegExp(`<link rel="enclosure" href="${largest.source}" type="image/png" length="\\d+" title="GradMax 的网络增长示意图"/>`));
    const item = (JSON.parse(json) as { items: { image: string; content_html: string }[] }).items[0]!;
    expect(item.image).toMatch(largest);
    expect(item.content_html).toMatch(/srcset="https:\/\/pretraining-weekly\.example\.org\/images\//);
  });
});

describe("figures and the email's compiled shapes", () => {
  it("an issue with figures is filled from its shape, byte-identical to compiling its own MJML", async () => {
    const root = await projectWithFigures();
    const result = await build({ root });
    expect(result.emails.find((e) => e.number === 36)!.route).toBe("shape");
    const content = await loadContent(root);
    const { images } = await processImages(root, content.issues, content.newsletter.images, await ImageCache.open(path.join(root, ".gazette/cache/images"), await codeVersion()));
    const planned = planSite(content.newsletter, content.issues, new Map(), undefined, images);
    const mjml = renderEmailMjml(createEmailContext(planned[0]!.view(), createSiteView(content.newsletter), content.newsletter), await readEmailTemplates(root));
    const pool = new MjmlPool();
    try {
      const [direct] = await pool.compile([{ mjml, template: "issue.mjml.hbs" }]);
      expect(await readFile(path.join(root, "dist/emails/36.html"), "utf8")).toBe(direct);
    } finally {
      await pool.close();
    }
  });
});
