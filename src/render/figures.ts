import type { ImageIndex } from "../images/images.ts";
import { resolveImageSrc } from "../images/refs.ts";
import type { Variant } from "../images/variants.ts";
import type { Figure } from "../model/issue.ts";

// Pictures as every output shows them: absolute URLs (feeds and mail are
// read far from the site), sizes for a page that does not move as they
// load, and JPEG or PNG for mail. Pure: the processed images come in.

/** The email's content column, in CSS pixels: no picture is drawn wider. */
export const EMAIL_IMAGE_WIDTH = 592;

export interface FigureView {
  alt: string;
  caption?: string;
  /** The fallback (JPEG, PNG or SVG) at a middle size, or the remote URL. */
  src: string;
  /** Intrinsic size; absent for a remote image, whose size is not known. */
  width?: number;
  height?: number;
  /** "url 600w, url 1200w": JPEG or PNG (or absent for SVG and remote). */
  srcset?: string;
  /** The same widths in WebP, for <picture>. */
  webpSrcset?: string;
  email: { src: string; srcset?: string; width: number; height?: number };
  /** The widest fallback, for feeds' enclosures and og:image. */
  largest?: { url: string; width: number; height: number; type: string; bytes: number };
}

export function createFigureView(figure: Figure, issueFile: string, images: ImageIndex | undefined, baseUrl: string): FigureView {
  const { file } = resolveImageSrc(figure.src, issueFile);
  const image = file ? images?.get(file) : undefined;
  if (!image) {
    // A remote picture, shown as it is (or a local one in a renderer's test without an index).
    const src = file ? new URL(figure.src, baseUrl).href : figure.src;
    return { alt: figure.alt, caption: figure.caption, src, email: { src, width: EMAIL_IMAGE_WIDTH } };
  }
  const url = (v: Variant) => new URL(v.file, baseUrl).href;
  const srcset = (vs: Variant[]) => (vs.length > 0 && vs.every((v) => v.type !== "image/svg+xml") ? vs.map((v) => `${url(v)} ${v.width}w`).join(", ") : undefined);
  const middle = image.fallback.find((v) => v.width >= 1200) ?? image.fallback.at(-1)!;
  const [email1x, email2x] = image.email;
  const emailWidth = Math.min(EMAIL_IMAGE_WIDTH, image.width);
  const largest = image.fallback.at(-1)!;
  return {
    alt: figure.alt,
    caption: figure.caption,
    src: url(middle),
    width: image.width,
    height: image.height,
    srcset: srcset(image.fallback),
    webpSrcset: srcset(image.webp),
    email: {
      src: url(email1x!),
      srcset: email2x ? `${url(email1x!)} 1x, ${url(email2x)} 2x` : undefined,
      width: emailWidth,
      height: Math.round((image.height * emailWidth) / image.width),
    },
    largest: { url: url(largest), width: largest.width, height: largest.height, type: largest.type, bytes: largest.bytes },
  };
}
