import { Command, CommanderError, InvalidArgumentError } from "commander";
import path from "node:path";
import { build } from "../build/build.ts";
import { readConfig } from "../config.ts";
import { loadContent } from "../content/load.ts";
import { ContentError, formatProblems, type Problem } from "../errors.ts";
import { createApp } from "../server/app.ts";

// The composition root: parses arguments, wires the parts, prints, and is
// the only place that sets the exit status.

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export function createProgram(io: Io): Command {
  const program = new Command("gazette")
    .description("Build a newsletter's feeds, web archive and email from content/.")
    .option("-C, --root <dir>", "project folder holding content/", ".")
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();

  program
    .command("check")
    .description("validate content/newsletter.yaml and content/issues/*.md; report every problem")
    .action(async () => {
      const root = rootOf(program);
      const content = await loadContent(root);
      printWarnings(io, content.warnings);
      const drafts = content.issues.filter((i) => i.draft).length;
      io.out(`content OK: ${content.issues.length} issue${content.issues.length === 1 ? "" : "s"}${drafts ? ` (${drafts} draft${drafts === 1 ? "" : "s"})` : ""}\n`);
    });

  program
    .command("build")
    .description("write dist/: feeds, archive pages (atomically; a failed build leaves dist/ as it was)")
    .option("-o, --out <dir>", "output folder", "dist")
    .action(async (opts: { out: string }) => {
      const root = rootOf(program);
      const result = await build({ root, outDir: path.resolve(root, opts.out) });
      printWarnings(io, result.warnings);
      const where = path.relative(process.cwd(), result.outDir) || ".";
      io.out(
        `built ${where}/: ${result.issues} issue${result.issues === 1 ? "" : "s"}${result.drafts ? ` (${result.drafts} draft${result.drafts === 1 ? "" : "s"}, not in feeds)` : ""}; ` +
          `${result.written.length} file${result.written.length === 1 ? "" : "s"} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed\n`,
      );
    });

  program
    .command("serve")
    .description("serve dist/ on localhost: archive and feeds, with conditional GET")
    .option("-p, --port <port>", "port (0 picks a free one; default $PORT or 8080)", parsePort)
    .option("--host <host>", "address to listen on (default $HOST or 127.0.0.1)")
    .option("-o, --out <dir>", "the built folder to serve", "dist")
    .action(async (opts: { port?: number; host?: string; out: string }) => {
      const config = readConfig();
      const root = rootOf(program);
      const app = await createApp({ distDir: path.resolve(root, opts.out) });
      const address = await app.listen({ port: opts.port ?? config.PORT, host: opts.host ?? config.HOST });
      const base = address.replace("0.0.0.0", "127.0.0.1");
      io.out(
        [
          `serving ${opts.out}/ at ${base}/`,
          `  archive  ${base}/`,
          `  RSS      ${base}/rss.xml`,
          `  Atom     ${base}/atom.xml`,
          `  JSON     ${base}/feed.json`,
          "press Ctrl-C to stop",
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        const stop = () => void app.close().then(resolve);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });

  return program;
}

/** Runs the CLI; resolves to the exit status. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ContentError) {
      printWarnings(io, err.warnings);
      io.err(`${formatProblems(err.problems)}\n`);
      io.err(`${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}; nothing was built.\n`);
      return 1;
    }
    const code = (err as { code?: string }).code;
    io.err(`gazette: ${(err as Error).message}\n`);
    return code?.startsWith("GAZETTE_") ? 1 : 2;
  }
}

function rootOf(program: Command): string {
  return path.resolve(program.opts<{ root: string }>().root);
}

function printWarnings(io: Io, warnings: Problem[]): void {
  if (warnings.length > 0) io.err(`${formatProblems(warnings, "warning")}\n`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError("expected a port number from 0 to 65535");
  return port;
}
