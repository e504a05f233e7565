import { readFile, stat } from "node:fs/promises";
import type { Newsletter } from "../model/newsletter.ts";

// What `gazette check` learns about one image file without decoding it:
// its size, format and dimensions, read from the header by sharp.

export type ImageFormat = "png" | "jpeg" | "webp" | "gif" | "svg";

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  hasAlpha: boolean;
  bytes: number;
}

export type Inspection = { ok: true; info: ImageInfo } | { ok: false; expected: string; received?: string };

export type ImageLimits = Newsletter["images"];

const FORMATS = new Set<string>(["png", "jpeg", "webp", "gif", "svg"]);

/** sharp, imported on first use: most builds of most newsletters never need it. */
export type Sharp = typeof import("sharp").default;
export async function loadSharp(): Promise<Sharp> {
  return (await import("sharp")).default;
}

/** Reads one image file's header and checks it against the limits. Never throws for a bad file. */
export async function inspectImage(absPath: string, limits: ImageLimits): Promise<Inspection> {
  let bytes: number;
  try {
    const info = await stat(absPath);
    if (!info.isFile()) return { ok: false, expected: "expected an image file, found a folder" };
    bytes = info.size;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return { ok: false, expected: code === "ENOENT" ? "expected an image file, found no such file" : `expected a readable image file: ${code ?? (cause as Error).message}` };
  }
  // Checked before anything is read: a huge file costs nothing.
  if (bytes > limits.max_bytes) return { ok: false, expected: `expected an image of at most ${formatBytes(limits.max_bytes)} (images.max_bytes)`, received: formatBytes(bytes) };
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<Sharp>["metadata"]>>;
  try {
    meta = await sharp(absPath, { limitInputPixels: false }).metadata();
  } catch {
    return { ok: false, expected: "expected a readable PNG, JPEG, WebP, GIF or SVG image", received: "a file sharp cannot read as an image" };
  }
  const format = String(meta.format) === "jpg" ? "jpeg" : String(meta.format);
  if (!FORMATS.has(format)) return { ok: false, expected: "expected a PNG, JPEG, WebP, GIF or SVG image", received: `a ${format.toUpperCase()} image` };
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width === 0 || height === 0) return { ok: false, expected: "expected an image with a width and a height", received: `${width}×${height}` };
  if (width * height > limits.max_pixels) {
    return { ok: false, expected: `expected at most ${limits.max_pixels.toLocaleString("en")} pixels (images.max_pixels)`, received: `${width}×${height} (${(width * height).toLocaleString("en")})` };
  }
  if (format === "svg") {
    // The SVG check's HTML parser, like sharp, is loaded only when a picture needs it.
    const { findUnsafeSvg } = await import("./svg.ts");
    const unsafe = findUnsafeSvg(await readFile(absPath, "utf8"));
    if (unsafe) return { ok: false, expected: "expected an SVG with no script and no references to other documents", received: unsafe };
  }
  // A decode of the first rows would catch a truncated file; sharp reads the header only, so check the whole file decodes.
  if (format !== "svg") {
    try {
      await sharp(absPath, { limitInputPixels: false, failOn: "error" }).resize(8).raw().toBuffer();
    } catch {
      return { ok: false, expected: `expected a complete ${format.toUpperCase()} image`, received: "a damaged or truncated file" };
    }
  }
  return { ok: true, info: { format: format as ImageFormat, width, height, hasAlpha: !!meta.hasAlpha, bytes } };
}

export function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} MB` : n >= 1000 ? `${(n / 1000).toFixed(1)} kB` : `${n} bytes`;
}
