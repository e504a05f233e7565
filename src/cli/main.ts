import { Command, CommanderError, InvalidArgumentError } from "commander";
import path from "node:path";
import type { BuildResult } from "../build/build.ts";
import type { EarlyEmails } from "../server/preview.ts";
import { registerClicksCommand } from "./clicks.ts";
import { describeError } from "./describe-error.ts";
import { registerDbCommands } from "./db.ts";
import { registerDraftCommands } from "./draft.ts";
import { registerFeedbackCommands } from "./feedback.ts";
import { registerSendCommand, registerWorkerCommand } from "./send.ts";
import { DEFAULT_PING_TIMEOUT_S, parseSeconds, pingAndReport, registerPingCommand } from "./ping.ts";
import { registerSubscriberCommands } from "./subscribers.ts";
import type { EmailReport } from "../build/emails.ts";
import { ContentError, formatProblems, type Problem } from "../errors.ts";

// The composition root: parses arguments, wires the parts, prints, and is
// the only place that sets the exit status. What a command runs is imported
// when it runs, so that --help, a typo or a subscribers command does not
// load the renderers, the YAML parser and the HTTP stack first.

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
      // check never builds: its closing line counts the files instead of saying what was not built.
      const { loadContent } = await import("../content/load.ts");
      const content = await loadContent(root).catch((err: unknown) => {
        throw err instanceof ContentError ? new ContentError(err.problems, err.warnings, "") : err;
      });
      printWarnings(io, content.warnings);
      const drafts = content.issues.filter((i) => i.draft).length;
      io.out(`content OK: ${content.issues.length} issue${content.issues.length === 1 ? "" : "s"}${drafts ? ` (${drafts} draft${drafts === 1 ? "" : "s"})` : ""}\n`);
    });

  program
    .command("build")
    .description("write dist/: feeds, archive pages and emails (atomically; a failed build leaves dist/ as it was)")
    .option("-o, --out <dir>", "output folder", "dist")
    .option("--ping", "then tell the WebSub hubs of every changed feed (as gazette ping; a failing hub never fails the build)")
    .option("--ping-timeout <seconds>", `per hub request (default ${DEFAULT_PING_TIMEOUT_S})`, parseSeconds)
    .action(async (opts: { out: string; ping?: boolean; pingTimeout?: number }) => {
      const root = rootOf(program);
      const result = await buildAndReport(io, root, path.resolve(root, opts.out));
      if (opts.ping) {
        if (!result.newsletter.websub) io.err("websub: content/newsletter.yaml names no hubs (websub.hubs); nothing to ping\n");
        else await pingAndReport(io, root, result.newsletter, opts.pingTimeout ?? DEFAULT_PING_TIMEOUT_S);
      }
    });

  program
    .command("serve")
    .description("serve dist/ on localhost: archive and feeds with conditional GET, signup with double opt-in, unsubscribe, email previews")
    .option("-p, --port <port>", "port (0 picks a free one; default $PORT or 8080)", parsePort)
    .option("--host <host>", "address to listen on (default $HOST or 127.0.0.1)")
    .option("-o, --out <dir>", "the built folder to serve", "dist")
    .action(async (opts: ServeOptions) => {
      const root = rootOf(program);
      await serveUntilStopped(io, root, { ...opts, schedules: true }, (base) => [
        `  archive  ${base}/  (every page has the signup form)`,
        `  RSS      ${base}/rss.xml`,
        `  Atom     ${base}/atom.xml`,
        `  JSON     ${base}/feed.json`,
        `  emails   ${base}/_preview/emails/`,
      ]);
    });

  program
    .command("preview")
    .description("build, serve, and show an issue's email as a subscriber gets it; rebuilds when content/ or emails/ change")
    .argument("<number>", "issue number", parseIssueNumber)
    .option("-p, --port <port>", "port (0 picks a free one; default $PORT or 8080)", parsePort)
    .option("--host <host>", "address to listen on (default $HOST or 127.0.0.1)")
    .option("-o, --out <dir>", "output folder", "dist")
    .action(async (number: number, opts: ServeOptions) => {
      const root = rootOf(program);
      const outDir = path.resolve(root, opts.out);
      const built = await buildAndReport(io, root, outDir).catch((err: unknown) => void io.err(`${describeError(err)}\nserving the last good build.\n`));
      if (built && !built.emails.some((e) => e.number === number)) {
        io.err(`gazette: no issue ${number} in content/issues; its preview page will say so until one is built.\n`);
      }
      const { watchOnThread } = await import("../build/watch.ts");
      const { EarlyEmails } = await import("../server/preview.ts");
      // Rebuilds run on a thread of their own; the previewed email is shown as
      // soon as one has made it, before its pages, feeds and search index.
      const earlyEmails = new EarlyEmails();
      const stopWatching = watchOnThread(
        { root, outDir, emails: [String(number)] },
        {
          emails: (files) => earlyEmails.take(files),
          built: ({ written, error }) => {
            earlyEmails.clear();
            if (error === undefined) io.out(`rebuilt: ${written} file${written === 1 ? "" : "s"} changed\n`);
            else io.err(`${error}\nthe preview keeps the last good build.\n`);
          },
        },
      );
      try {
        await serveUntilStopped(io, root, { ...opts, earlyEmails }, (base) => [`  email #${number}  ${base}/_preview/emails/${number}/`, "  watching content/ and emails/; the page reloads after each rebuild"]);
      } finally {
        await stopWatching();
      }
    });

  registerDraftCommands(program, io, () => rootOf(program));
  registerSubscriberCommands(program, io, () => rootOf(program));
  registerSendCommand(program, io, () => rootOf(program));
  registerPingCommand(program, io, () => rootOf(program));
  registerWorkerCommand(program, io, () => rootOf(program));
  registerDbCommands(program, io, () => rootOf(program));
  registerFeedbackCommands(program, io, () => rootOf(program));
  registerClicksCommand(program, io, () => rootOf(program));
  return program;
}

interface ServeOptions {
  port?: number;
  host?: string;
  out: string;
}

async function buildAndReport(io: Io, root: string, outDir: string): Promise<BuildResult> {
  const { build } = await import("../build/build.ts");
  const result = await build({ root, outDir });
  printWarnings(io, result.warnings);
  const where = path.relative(process.cwd(), result.outDir) || ".";
  io.out(
    `built ${where}/: ${result.issues} issue${result.issues === 1 ? "" : "s"}${result.drafts ? ` (${result.drafts} draft${result.drafts === 1 ? "" : "s"}, not in feeds)` : ""}; ` +
      `${result.written.length} file${result.written.length === 1 ? "" : "s"} written, ${result.unchanged.length} unchanged, ${result.removed.length} removed\n`,
  );
  io.out(renderEmailSizes(result.emails, await import("../build/emails.ts")));
  return result;
}

async function serveUntilStopped(io: Io, root: string, opts: ServeOptions & { schedules?: boolean; earlyEmails?: EarlyEmails }, urls: (base: string) => string[]): Promise<void> {
  const { readConfig } = await import("../config.ts");
  const config = readConfig();
  const distDir = path.resolve(root, opts.out);
  const { createApp } = await import("../server/app.ts");
  const { openSubscriptions } = await import("./serve.ts");
  const { openFeedback } = await import("./serve-feedback.ts");
  const subscriptions = await openSubscriptions(io, root, distDir, config, { schedules: opts.schedules });
  const feedback = await openFeedback(io, root, config);
  const trustProxy = config.GAZETTE_TRUST_PROXY === "true" ? true : config.GAZETTE_TRUST_PROXY;
  const app = await createApp({ distDir, subscriptions: subscriptions?.deps, webhooks: feedback?.webhooks, clicks: subscriptions?.clicks, trustProxy, earlyEmails: opts.earlyEmails });
  app.addHook("onClose", async () => {
    await feedback?.close();
    await subscriptions?.close();
  });
  const [port, host] = [opts.port ?? config.PORT, opts.host ?? config.HOST];
  const address = await app.listen({ port, host }).catch(async (err: unknown) => {
    await app.close();
    throw listenError(err, host, port);
  });
  const base = address.replace("0.0.0.0", "127.0.0.1");
  subscriptions?.listening(base);
  io.out([`serving ${opts.out}/ at ${base}/`, ...urls(base), ...(subscriptions?.describe() ?? []), ...(feedback?.describe(base) ?? []), "press Ctrl-C to stop", ""].join("\n"));
  await new Promise<void>((resolve) => {
    const stop = () => void app.close().then(resolve);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** A port taken or an address not on this machine, said with the address and how to choose another. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: string }).code;
  const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (code === "EADDRINUSE") {
    return Object.assign(new Error(`${where} is already in use (another gazette serve?): pick another port with -p PORT or the PORT variable; -p 0 picks a free one`, { cause: err }), { code: "GAZETTE_LISTEN" });
  }
  if (code === "EADDRNOTAVAIL") {
    return Object.assign(new Error(`${host} is not an address of this machine: pick another with --host HOST or the HOST variable, such as 127.0.0.1`, { cause: err }), { code: "GAZETTE_LISTEN" });
  }
  if (code === "EACCES") {
    return Object.assign(new Error(`not allowed to listen on ${where} (ports below 1024 need root): pick another port with -p PORT or the PORT variable`, { cause: err }), { code: "GAZETTE_LISTEN" });
  }
  return err;
}

function parseIssueNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("expected an issue number such as 36");
  return n;
}

/** Runs the CLI; resolves to the exit status. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const exitCode = (err as { exitCode?: number }).exitCode;
    if (typeof exitCode === "number") {
      if ((err as Error).message) io.err(`gazette: ${(err as Error).message}\n`);
      return exitCode;
    }
    if (err instanceof ContentError) printWarnings(io, err.warnings);
    io.err(`${describeError(err)}\n`);
    if (err instanceof ContentError) return 1;
    const code = (err as { code?: string }).code;
    return code?.startsWith("GAZETTE_") ? 1 : 2;
  }
}

/** One line per compiled email (all of them when few), then the largest. */
function renderEmailSizes(emails: EmailReport[], { EMAIL_WARN_BYTES, kb }: typeof import("../build/emails.ts")): string {
  if (emails.length === 0) return "";
  const line = (e: EmailReport) => `  #${e.number}  html ${kb(e.htmlBytes)}, text ${kb(e.textBytes)}${e.compiled ? "" : " (cached)"}${e.htmlBytes > EMAIL_WARN_BYTES ? "  ← near Gmail's 102 KB clip" : ""}\n`;
  const compiled = emails.filter((e) => e.compiled).length;
  const shown = emails.length <= 10 ? emails : emails.filter((e) => e.compiled || e.htmlBytes > EMAIL_WARN_BYTES).slice(0, 10);
  const largest = emails.reduce((a, b) => (b.htmlBytes > a.htmlBytes ? b : a));
  return (
    `emails: ${emails.length} (${compiled} compiled, ${emails.length - compiled} from cache); largest #${largest.number} at ${kb(largest.htmlBytes)} of Gmail's ~102 KB\n` +
    shown.map(line).join("")
  );
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
