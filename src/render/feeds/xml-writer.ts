// A small XML writer for the feeds: elements are data (name, attributes,
// children), and every string is escaped once, here, for the place it
// lands in. Nothing is concatenated into markup elsewhere, so no text can
// open a tag, end a CDATA section or leave an entity undone. Pure.

export interface XmlElement {
  name: string;
  attributes: [string, string][];
  children: XmlNode[];
}

/** Text kept in a CDATA section (for HTML payloads: smaller than escaping every tag). */
export interface XmlCdata {
  cdata: string;
}

/** Markup written earlier by renderXmlFragment, at the depth it stands at: put in as it is. */
export interface XmlRaw {
  raw: string;
}

export type XmlNode = XmlElement | XmlCdata | XmlRaw | string;

/**
 * How `&`, `<` and `>` are written in text and attributes: `named` as
 * `&amp; &lt; &gt;`, `hex` as `&#x26; &#x3C; &#x3E;` (what the RSS Advisory
 * Board's profile asks of plain-text elements).
 */
export type ReferenceStyle = "named" | "hex";

/** An element; attributes whose value is undefined are left out, children that are undefined too. */
export function el(name: string, attributes: Record<string, string | undefined> = {}, ...children: (XmlNode | undefined)[]): XmlElement {
  const attrs = Object.entries(attributes).filter((a): a is [string, string] => a[1] !== undefined);
  return { name, attributes: attrs, children: children.filter((c): c is XmlNode => c !== undefined) };
}

export function cdata(text: string): XmlCdata {
  return { cdata: text };
}

/** The document: an XML declaration, the root element, indented by four spaces, and a final newline. */
export function renderXmlDocument(root: XmlElement, style: ReferenceStyle): string {
  const out: string[] = ['<?xml version="1.0" encoding="utf-8"?>\n'];
  writeElement(root, "", style, out);
  return out.join("");
}

/**
 * An element written now, for a document that puts it `depth` levels deep:
 * an entry that several feeds carry is escaped once.
 */
export function renderXmlFragment(node: XmlElement, depth: number, style: ReferenceStyle): XmlRaw {
  const out: string[] = [];
  writeElement(node, "    ".repeat(depth), style, out);
  return { raw: out.join("") };
}

function writeElement(node: XmlElement, indent: string, style: ReferenceStyle, out: string[]): void {
  const attrs = node.attributes.map(([name, value]) => ` ${name}="${escapeAttribute(value, style)}"`).join("");
  out.push(`${indent}<${node.name}${attrs}`);
  if (node.children.length === 0) {
    out.push("/>\n");
    return;
  }
  if (node.children.every((c) => !isElement(c) && !isRaw(c))) {
    out.push(">", ...node.children.map((c) => writeLeaf(c as XmlCdata | string, style)), `</${node.name}>\n`);
    return;
  }
  out.push(">\n");
  for (const c of node.children) {
    if (isRaw(c)) out.push(c.raw);
    else if (isElement(c)) writeElement(c, `${indent}    `, style, out);
    else out.push(`${indent}    ${writeLeaf(c, style)}\n`);
  }
  out.push(`${indent}</${node.name}>\n`);
}

function isElement(node: XmlNode): node is XmlElement {
  return typeof node === "object" && "name" in node;
}

function isRaw(node: XmlNode): node is XmlRaw {
  return typeof node === "object" && "raw" in node;
}

function writeLeaf(node: XmlCdata | string, style: ReferenceStyle): string {
  if (typeof node === "string") return escapeText(node, style);
  // "]]>" cannot stand inside a section: end it after "]]" and start another before ">".
  return `<![CDATA[${xmlChars(node.cdata).replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

const NAMED: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
const HEX: Record<string, string> = { "&": "&#x26;", "<": "&#x3C;", ">": "&#x3E;", '"': "&#x22;" };
// Whitespace in attributes would be normalised to spaces by every parser, and a
// carriage return in text to a line feed: keep them as references.
const ATTRIBUTE_WHITESPACE: Record<string, string> = { "\t": "&#x9;", "\n": "&#xA;", "\r": "&#xD;" };

export function escapeText(text: string, style: ReferenceStyle): string {
  const table = style === "hex" ? HEX : NAMED;
  return xmlChars(text).replace(/[&<>\r]/g, (c) => table[c] ?? ATTRIBUTE_WHITESPACE[c]!);
}

export function escapeAttribute(text: string, style: ReferenceStyle): string {
  const table = style === "hex" ? HEX : NAMED;
  return xmlChars(text).replace(/[&<>"\t\n\r]/g, (c) => table[c] ?? ATTRIBUTE_WHITESPACE[c]!);
}

// XML 1.0's Char production. The content loader already strips (with a
// warning) what falls outside it; this is the last guard, never the first.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/**
 * Every code unit that can begin a character outside Char (controls,
 * U+FFFE, U+FFFF, any surrogate: a pair is fine, a lone one is not). Text
 * without one, nearly all text, needs no further look: this class, without
 * the u flag, is scanned about four times as fast as NOT_XML_CHAR.
 */
export const MAYBE_NOT_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;

function xmlChars(text: string): string {
  return MAYBE_NOT_XML_CHAR.test(text) ? text.replace(NOT_XML_CHAR, "") : text;
}
