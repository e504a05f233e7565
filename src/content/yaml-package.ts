import { createRequire } from "node:module";
import type * as Yaml from "yaml";

const require = createRequire(import.meta.url);
let loaded: typeof Yaml | undefined;

/**
 * The yaml package, loaded on first use: issues and newsletter.yaml are
 * read by plain-yaml.ts, so most builds never need it, and importing it
 * costs about 35 ms of every build's start. (Its entry for Node is
 * CommonJS, the same module an import of "yaml" gets.)
 */
export function yamlPackage(): typeof Yaml {
  loaded ??= require("yaml") as typeof Yaml;
  return loaded;
}
