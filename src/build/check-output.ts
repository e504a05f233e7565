import { SaxesParser } from "saxes";
import { OutputError } from "../errors.ts";

/**
 * Checks what is about to be published: XML feeds must be well-formed under
 * a strict parser and JSON must parse. A broken feed makes readers drop the
 * whole subscription, so a build that would write one fails instead.
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
  parser.write(text).close();
  if (failure) throw new OutputError(file, `not well-formed XML: ${failure.message}`);
}

function checkJson(file: string, text: string): void {
  try {
    JSON.parse(text);
  } catch (cause) {
    throw new OutputError(file, `not valid JSON: ${(cause as Error).message}`, { cause });
  }
}
