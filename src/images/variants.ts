import { createHash } from "node:crypto";
import type { ImageFormat, ImageInfo } from "./inspect.ts";
import { loadSharp } from "./inspect.ts";

// One source image, decoded once, made into every size the outputs need.
// Metadata (EXIF, GPS position, XMP, ICC beyond sRGB) is never copied:
// sharp writes none unless asked, and nothing here asks.

/**
 * Widths of the archive's srcset (a phone, a high-density phone or the
 * column at 2×, a wide high-density screen) and of the email (600 px, and
 * 1200 px for high-density screens). The email's are among the archive's,
 * so their JPEG or PNG files are shared.
 */
export const WEB_WIDTHS = [600, 1200, 1800] as const;
export const EMAIL_WIDTHS = [600, 1200] as const;
/** Bumped whenever what is made from a source changes, so cached variants are made again. */
export const VARIANTS_VERSION = "1";

export interface Variant {
  /** Path under dist/, with a hash of the bytes in the name: cacheable forever. */
  file: string;
  width: number;
  height: number;
  type: "image/webp" | "image/jpeg" | "image/png" | "image/gif" | "image/svg+xml";
  bytes: number;
}

/** What the renderers know of one processed image. */
export interface ProcessedImage {
  /** Intrinsic size of the source. */
  width: number;
  height: number;
  /** For pages: WebP at each width, widest last (empty for SVG). */
  webp: Variant[];
  /** For pages, and where WebP is not shown: JPEG (photos) or PNG (transparency, drawings), widest last; SVG as it is. */
  fallback: Variant[];
  /** For email, never WebP: 600 px, then 1200 px (fewer for a smaller source). */
  email: Variant[];
}

export interface MadeVariants {
  image: ProcessedImage;
  /** The bytes of each variant, by its file. */
  files: Map<string, Buffer>;
}

/** Makes every variant of one image. `name` is the source's file name, kept readable in the URLs. */
export async function makeVariants(source: Buffer, info: ImageInfo, name: string): Promise<MadeVariants> {
  const sharp = await loadSharp();
  const files = new Map<string, Buffer>();
  const stem = safeStem(name);
  const put = (bytes: Buffer, width: number, height: number, ext: string, type: Variant["type"]): Variant => {
    const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
    const file = `images/${stem}-${hash}-${width}.${ext}`;
    files.set(file, bytes);
    return { file, width, height, type, bytes: bytes.length };
  };
  // Decoded once; every size is made from the same pixels. SVG is rendered at the widest size needed.
  const density = info.format === "svg" ? Math.min(2400, Math.max(72, (72 * Math.max(...EMAIL_WIDTHS, ...WEB_WIDTHS)) / info.width)) : undefined;
  const decoded = sharp(source, { limitInputPixels: false, animated: false, ...(density ? { density } : {}) }).rotate();
  const { data, info: raw } = await decoded.raw().toBuffer({ resolveWithObject: true });
  const pixels = () => sharp(data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  const lossless = usesPng(info.format, info.hasAlpha);

  const encode = async (width: number, as: "webp" | "png" | "jpeg"): Promise<Variant> => {
    const height = Math.max(1, Math.round((info.height * width) / info.width));
    let pipeline = pixels().resize(width, height, { fit: "fill" });
    if (as === "webp") pipeline = pipeline.webp({ quality: 80, effort: 2, ...(lossless ? { alphaQuality: 90 } : {}) });
    else if (as === "png") pipeline = pipeline.png({ compressionLevel: 7, palette: info.format !== "jpeg", effort: 4 });
    else pipeline = pipeline.flatten({ background: "#ffffff" }).jpeg({ quality: 82, progressive: true });
    const bytes = await pipeline.toBuffer();
    return put(bytes, width, height, as === "jpeg" ? "jpg" : as, `image/${as}`);
  };

  const fallbackKind = lossless ? "png" : "jpeg";
  const image: ProcessedImage = { width: info.width, height: info.height, webp: [], fallback: [], email: [] };
  if (info.format === "svg") {
    image.fallback.push(put(source, info.width, info.height, "svg", "image/svg+xml"));
  } else {
    for (const width of sizesFor(info.width, WEB_WIDTHS)) {
      image.webp.push(await encode(width, "webp"));
      image.fallback.push(await encode(width, fallbackKind));
    }
  }
  // Email clients show no SVG and, in Outlook, no WebP.
  const emailSource = info.format === "svg" ? { ...info, width: Math.max(...EMAIL_WIDTHS) } : info;
  for (const width of sizesFor(emailSource.width, EMAIL_WIDTHS)) {
    const existing = image.fallback.find((v) => v.width === width && v.type !== "image/svg+xml");
    image.email.push(existing ?? (await encode(width, fallbackKind)));
  }
  return { image, files };
}

/** The widths below the source's, then the source's own width if it is narrower than the widest: never enlarged. */
function sizesFor(sourceWidth: number, widths: readonly number[]): number[] {
  const fit = widths.filter((w) => w < sourceWidth);
  return fit.length < widths.length ? [...fit, sourceWidth] : fit;
}

/** Drawings, screenshots and anything transparent stay PNG; photographs become JPEG. */
function usesPng(format: ImageFormat, hasAlpha: boolean): boolean {
  return format === "png" || format === "gif" || format === "svg" || hasAlpha;
}

function safeStem(name: string): string {
  const stem = name.replace(/\.[^.]*$/, "").normalize("NFKD").replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase();
  return stem.slice(0, 40) || "image";
}
