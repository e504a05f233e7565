import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

// Image files for the figure tests, made here with sharp: nothing is
// downloaded and no binary file is committed.

/** A 1600×900 chart-like PNG: bars on white, so resizing has something to keep. */
export async function chartPng(): Promise<Buffer> {
  const bars = Array.from({ length: 8 }, (_, i) => `<rect x="${100 + i * 180}" y="${800 - (i + 1) * 80}" width="120" height="${(i + 1) * 80}" fill="#0b5cad"/>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900"><rect width="1600" height="900" fill="#fff"/>${bars}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A 2000×1500 photo-like JPEG carrying EXIF with a GPS position and the camera's make. */
export async function photoWithGps(): Promise<Buffer> {
  const noise = Buffer.alloc(200 * 150 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) % 251;
  return sharp(noise, { raw: { width: 200, height: 150, channels: 3 } })
    .resize(2000, 1500)
    .withExif({ IFD0: { Make: "GazetteTestCamera", Model: "Fixture" }, IFD3: { GPSLatitudeRef: "N", GPSLatitude: "39/1 54/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "116/1 23/1 0/1" } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** 9000×6000 pixels (54 million) in a small file: past the default pixel limit. */
export function hugePng(): Promise<Buffer> {
  return sharp({ create: { width: 9000, height: 6000, channels: 3, background: "#cccccc" } }).png().toBuffer();
}

/** A PNG cut off halfway: its header reads, its pixels do not. */
export async function truncatedPng(): Promise<Buffer> {
  const whole = await chartPng();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

export const SCRIPTED_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><script>alert(1)</script><rect width="200" height="100"/></svg>`;
export const SAFE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200"><defs><linearGradient id="g"><stop offset="0" stop-color="#0b5cad"/><stop offset="1" stop-color="#7cc"/></linearGradient></defs><rect width="400" height="200" fill="url(#g)"/></svg>`;

/** Writes files under the project (path → bytes or text). */
export async function writeFiles(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [file, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), body);
  }
}

/** Issue 36 with figures on the GradMax item and a Markdown image in the lead. */
export async function addFiguresToIssue36(root: string, figures: string, leadImage = ""): Promise<void> {
  const file = path.join(root, "content/issues/036.md");
  let text = await readFile(file, "utf8");
  text = text.replace("        tags: [自增长网络]\n", `        tags: [自增长网络]\n${figures}`);
  if (leadImage) text = text.replace(/\n---\n/, `\n---\n${leadImage}\n\n`);
  await writeFile(file, text);
}
