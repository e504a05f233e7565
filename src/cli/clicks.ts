import type { Command } from "commander";
import { parseIssueArg } from "./args.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** One link of an issue's link table with its count. */
export interface LinkClicks {
  /** Its number in the table: /r/<issue>/<link>. */
  link: number;
  url: string;
  clicks: number;
}

/** The issue's links, most clicked first (ties in the email's order). Pure. */
export function rankLinks(links: string[], counts: Map<number, number>): LinkClicks[] {
  return links.map((url, i) => ({ link: i + 1, url, clicks: counts.get(i + 1) ?? 0 })).sort((a, b) => b.clicks - a.clicks || a.link - b.link);
}

/** Terminal lines: count, then the URL. Pure. */
export function renderLinkClicks(issue: number, rows: LinkClicks[]): string {
  const total = rows.reduce((sum, r) => sum + r.clicks, 0);
  const width = String(rows[0]?.clicks ?? 0).length;
  return [`#${issue}: ${total} counted click${total === 1 ? "" : "s"} on ${rows.length} link${rows.length === 1 ? "" : "s"}`, ...rows.map((r) => `  ${String(r.clicks).padStart(width)}  ${r.url}`), ""].join("\n");
}

/** gazette clicks <number> [--json] */
export function registerClicksCommand(program: Command, io: Io, rootOf: () => string): void {
  program
    .command("clicks")
    .description("which of an issue's links readers followed (analytics.clicks): counts only, no one's identity")
    .argument("<number>", "issue number", parseIssueArg)
    .option("--json", "print JSON: [{ link, url, clicks }], most clicked first")
    .action(async (number: number, opts: { json?: boolean }) => {
      // Imported on use: better-sqlite3 stays out of build and serve.
      const [{ readConfig }, { openStore }, { readBuiltEmail }] = await Promise.all([import("../config.ts"), import("../store/open.ts"), import("./send-run.ts")]);
      const root = rootOf();
      const { meta } = await readBuiltEmail(root, number);
      if (!meta.links) {
        throw Object.assign(new Error(`issue ${number} was built without click counting: set analytics: { clicks: true } in content/newsletter.yaml and build before sending`), { code: "GAZETTE_USAGE" });
      }
      const store = await openStore(root, readConfig());
      try {
        const rows = rankLinks(meta.links, await store.schedules.clicksByLink(number));
        io.out(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : renderLinkClicks(number, rows));
      } finally {
        await store.close();
      }
    });
}
