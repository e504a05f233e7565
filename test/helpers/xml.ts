import { SaxesParser } from "saxes";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A parsed XML element: enough structure for assertions. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Text and CDATA directly inside, joined. */
  text: string;
}

/** Parses with saxes (strict, namespace-aware); throws on any well-formedness error. */
export function parseXmlStrict(xml: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "" };
  const stack = [root];
  let error: Error | undefined;
  parser.on("error", (e) => {
    error ??= e;
  });
  parser.on("opentag", (tag) => {
    const el: XmlElement = { name: tag.name, attributes: {}, children: [], text: "" };
    for (const [name, attr] of Object.entries(tag.attributes)) el.attributes[name] = typeof attr === "string" ? attr : attr.value;
    stack[stack.length - 1]!.children.push(el);
    stack.push(el);
  });
  parser.on("closetag", () => void stack.pop());
  parser.on("text", (t) => void (stack[stack.length - 1]!.text += t));
  parser.on("cdata", (t) => void (stack[stack.length - 1]!.text += t));
  parser.write(xml).close();
  if (error) throw error;
  return root.children[0]!;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

/** Runs xmllint; `relaxng` names a schema. Returns its exit status and messages. */
export function xmllint(xml: string, relaxng?: string): { status: number; output: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gazette-xml-")), "doc.xml");
  writeFileSync(file, xml);
  const args = ["--noout", ...(relaxng ? ["--relaxng", relaxng] : []), file];
  const result = spawnSync("xmllint", args, { encoding: "utf8" });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}
