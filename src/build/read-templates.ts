import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { compileWebTemplates, WEB_TEMPLATE_FILES, type WebTemplates } from "../render/web/templates.ts";

/** Where the archive templates ship, inside the package. */
export const WEB_TEMPLATE_DIR = fileURLToPath(new URL("../render/web/templates/", import.meta.url));

/** Reads and compiles the archive templates from `dir`. */
export async function readWebTemplates(dir = WEB_TEMPLATE_DIR): Promise<WebTemplates> {
  const sources: Record<string, string> = {};
  await Promise.all(
    WEB_TEMPLATE_FILES.map(async (name) => {
      try {
        sources[name] = await readFile(path.join(dir, name), "utf8");
      } catch {
        // compileWebTemplates names the missing file
      }
    }),
  );
  return compileWebTemplates(sources, path.relative(process.cwd(), dir) || dir);
}
