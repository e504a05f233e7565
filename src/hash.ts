import * as crypto from "node:crypto";

// SHA-256 of a string as hex, in one call: crypto.hash (Node 20.12 and
// later) skips the Hash object that createHash makes, about a third of the
// cost for the short inputs cache keys are made of; thousands a build.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}
