import { SaxesParser } from "saxes";
import { OutputError } from "../errors.ts";
import { MAYBE_NOT_XML_CHAR } from "../render/feeds/xml-writer.ts";

/**
 * Checks what is about to be published: XML feeds must be well-formed under
 * a strict parser and JSON must parse. A broken feed makes readers drop the
 * whole subscription, so a build that would write one fails instead.
 * Files linked from the cache were checked when they were made.
 */
export function checkOutputs(files: Map<string, unknown>): void {
  for (const [file, text] of files) {
    if (typeof text !== "string") continue;
    if (file.endsWith(".xml")) checkXml(file, text);
    else if (file.endsWith(".json")) checkJson(file, text);
  }
}

export function checkXml(file: string, text: string): void {
  const parser = new SaxesParser({ xmlns: true, position: true });
  let failure: Error | undefined;
  parser.on("error", (err) => {
    failure ??= err;
  });
  parser.write(withoutCdata(text)).close();
  if (failure) throw new OutputError(file, `not well-formed XML: ${failure.message}`);
}

export function checkJson(file: string, text: string): void {
  try {
    JSON.parse(text);
  } catch (cause) {
    throw new OutputError(file, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

// A CDATA section ends at the first "]]>", and all it may hold besides is
// XML characters: a section of those alone is checked here, natively, and
// handed to the parser empty. The feeds' HTML payloads, nearly all of their
// bytes, then cost the parser nothing; a section with a character XML does
// not allow goes to the parser whole, which reports it where it stands.
const CDATA = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function withoutCdata(text: string): string {
  return text.replace(CDATA, (section, inner: string) => (MAYBE_NOT_XML_CHAR.test(inner) && NOT_XML_CHAR.test(inner) ? section : "<![CDATA[]]>"));
}
