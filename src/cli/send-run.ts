import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { EmailMeta } from "../build/emails.ts";
import { linkBase, readConfig, type Config } from "../config.ts";
import { ISSUES_DIR, loadContent, NEWSLETTER_FILE } from "../content/load.ts";
import { parseNewsletter } from "../content/parse.ts";
import { ContentError } from "../errors.ts";
import { acquireLock } from "../lock.ts";
import { deadLocalWorkers } from "../send/campaign.ts";
import { prepareMessage } from "../send/message.ts";
import { createOutboxTransport, createSmtpTransport } from "../send/transport.ts";
import { parseAddress } from "../store/address.ts";
import { guardRailFor } from "./guard-rail.ts";
import { describeStore, openStore } from "../store/open.ts";
import { storeFailure } from "../store/problems.ts";
import { renderProgress } from "./progress.ts";
import { sendCampaign } from "./send-campaign.ts";
import { EXIT, exitStatusOf, formatReport } from "./send-report.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface SendOptions {
  yes?: boolean;
  dryRun?: boolean;
  test?: string;
  resendUncertain?: boolean;
  force?: boolean;
  /** Worker processes on this machine (this one and K-1 more). */
  workers?: number;
}

/** gazette send <number>: the work behind the command (see send.ts). */
export async function send(io: Io, root: string, number: number, opts: SendOptions): Promise<void> {
  const config = readConfig();
  const workers = opts.workers ?? 1;
  const dataDir = path.resolve(root, config.GAZETTE_DATA_DIR);
  const newsletter = await readNewsletter(root);
  const { meta, html, text } = await readBuiltEmail(root, number);
  const message = prepareMessage({ meta, html, text, newsletter, date: new Date() });
  const transport = config.SMTP_URL ? await createSmtpTransport(config) : createOutboxTransport(path.join(dataDir, "outbox", String(number)));

  try {
    if (opts.test) {
      const address = parseAddress(opts.test);
      if (!address.ok) throw Object.assign(new Error(`--test: ${address.expected}`), { code: "GAZETTE_USAGE" });
      const response = await transport.send(
        { from: message.from, to: address.address },
        message.build({
          email: address.address,
          name: null,
          messageId: `<issue${number}.test.${Date.now()}@${newsletter.sender.email.split("@")[1]}>`,
          unsubscribeUrl: new URL("unsubscribe/test", linkBase(config, newsletter.base_url)).href,
          linkBase: linkBase(config, newsletter.base_url),
          unsubscribeMailto: `mailto:${newsletter.sender.email}?subject=unsubscribe`,
        }),
        `test-${Date.now()}`,
      );
      io.out(`sent a test copy of #${number} to ${address.address} via ${transport.description}: ${response}\nnothing was recorded.\n`);
      return;
    }
    if (meta.draft) throw Object.assign(new Error(`issue ${number} is a draft: set draft: false and build before sending (or use --test)`), { code: "GAZETTE_DRAFT" });

    // A dry run only looks: no lock, nothing written, so it works in a read-only data folder.
    const looking = !!opts.dryRun;
    const release = looking ? () => {} : takeSendLock(dataDir, number);
    // The store, for people: "data/gazette.sqlite", or "PostgreSQL host/name".
    const ledger = describeStore(root, config).replace(/^SQLite /, "");
    let store: Awaited<ReturnType<typeof openStore>>;
    try {
      // Checked before anything is sent: a damaged file must not promise 1,500 and die after 500.
      store = await openStore(root, config, { readOnly: looking, check: true });
    } catch (err) {
      release();
      throw asStoreFailure(err, ledger, "nothing was sent");
    }
    let consequence = "nothing was sent";
    try {
      // Rows left 'sending' by a worker that is gone are uncertain: say so before asking, and count them right.
      if (!looking) await store.expireLeases(number, deadLocalWorkers(await store.leaseHolders(number)));
      const owed = await store.countOwed(number, !!opts.resendUncertain);
      const done = await store.countByState(number);
      io.out(
        `issue #${number}: ${meta.subject}\n` +
          `recipients: ${owed} confirmed subscriber${owed === 1 ? "" : "s"} still to receive it` +
          `${done.accepted ? ` (${done.accepted} already ${done.accepted === 1 ? "has" : "have"} it)` : ""}${done.uncertain && !opts.resendUncertain ? `; ${done.uncertain} uncertain, left alone` : ""}\n` +
          `transport: ${transport.description}${workers > 1 ? `, ${workers} workers` : ""}\n`,
      );
      const stop = await guardRailFor(store.feedback, number, config);
      if (stop && opts.force) io.err(`gazette: warning: ${stop}; sending anyway (--force)\n`);
      if (stop && !opts.force) {
        const message = `not sending: ${stop}. Mailbox providers block senders past these rates: see gazette report, then add --force to send anyway`;
        if (!opts.dryRun) throw Object.assign(new Error(message), { code: "GAZETTE_GUARD" });
        io.out(`${message}\n`);
      }
      if (opts.dryRun) {
        io.out("dry run: nothing was sent.\n");
        return;
      }
      if (owed === 0) {
        io.out("nothing to send.\n");
        if (done.uncertain && !opts.resendUncertain) {
          io.out(`${done.uncertain} uncertain (in flight when an earlier run stopped): gazette send ${number} --resend-uncertain resends them\n`);
          throw Object.assign(new Error(""), { code: "GAZETTE_UNFINISHED", exitCode: EXIT.unfinished });
        }
        return;
      }
      if (!opts.yes && !(await confirm(`send to ${owed} now? [y/N] `))) {
        io.out("not sent.\n");
        return;
      }
      // Sending by hand settles a schedule that waits (overdue) or is yet to come.
      if (await store.schedules.moveSchedule(number, ["scheduled", "overdue"], "sent", { now: new Date(), detail: "sent by hand with gazette send" })) {
        io.out(`(its scheduled send is settled: this send is it)\n`);
      }
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        io.err("\nstopping: finishing the messages in flight (Ctrl-C again to quit at once)…\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      const progress = renderProgress(io);
      consequence = "the send stopped";
      try {
        const report = await sendCampaign({ root, config, store, number, workers, resendUncertain: !!opts.resendUncertain, signal: controller.signal, onProgress: progress.update });
        progress.stop();
        io.out(formatReport(report, number, ledger));
        // The report above says what happened and what to do; the status says it to cron and CI (see send-report.ts).
        const status = exitStatusOf(report);
        if (report.storeError) throw Object.assign(storeFailure(report.storeError, ledger, "the send stopped"), { exitCode: status });
        if (status !== EXIT.done) throw Object.assign(new Error(""), { code: "GAZETTE_UNFINISHED", exitCode: status });
      } finally {
        progress.stop();
        process.off("SIGINT", onSigint);
      }
    } catch (err) {
      throw asStoreFailure(err, ledger, consequence);
    } finally {
      try {
        await store.close();
      } catch {
        // A store that failed may fail to close too; what it holds is already committed or reported.
      }
      release();
    }
  } finally {
    await transport.close();
  }
}

/** The lock that keeps one send of an issue at a time, in the data folder (even when the store is PostgreSQL). */
function takeSendLock(dataDir: string, number: number): () => void {
  try {
    mkdirSync(dataDir, { recursive: true });
    return acquireLock(path.join(dataDir, `send-${number}.lock`), `another gazette send ${number} is running`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EROFS" && code !== "EACCES" && code !== "EPERM") throw err;
    const shown = path.relative(process.cwd(), dataDir) || dataDir;
    throw Object.assign(new Error(`the data folder ${shown}/ is read-only to this process (${code}): gazette send writes its lock and ledger there; give it write access (gazette send --dry-run needs none)`, { cause: err }), { code: "GAZETTE_READ_ONLY" });
  }
}

/** A raw SQLite error (reading the ledger before the send, say) as a GAZETTE_STORE error naming the store; others unchanged. */
function asStoreFailure(err: unknown, ledger: string, consequence: string): unknown {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_") ? storeFailure(err as Error, ledger, consequence) : err;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw Object.assign(new Error("not on a terminal: add --yes to send without being asked"), { code: "GAZETTE_USAGE" });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export async function readNewsletter(root: string) {
  const parsed = parseNewsletter(await readFile(path.join(root, NEWSLETTER_FILE), "utf8"), NEWSLETTER_FILE);
  if (!parsed.ok) throw new ContentError(parsed.problems, parsed.warnings, "nothing was sent");
  return parsed.value;
}

export async function readBuiltEmail(root: string, number: number): Promise<{ meta: EmailMeta; html: string; text: string }> {
  const dir = path.join(root, "dist/emails");
  try {
    const meta = JSON.parse(await readFile(path.join(dir, `${number}.json`), "utf8")) as EmailMeta;
    const [html, text] = await Promise.all([readFile(path.join(dir, meta.html), "utf8"), readFile(path.join(dir, meta.text), "utf8")]);
    return { meta, html, text };
  } catch {
    throw await notBuiltError(root, number);
  }
}

/** Why there is no email to send: no such issue (listing those there are), or one not built yet. */
async function notBuiltError(root: string, number: number): Promise<Error> {
  const numbers = await loadContent(root).then(
    (content) => content.issues.map((issue) => issue.number),
    () => undefined, // content with problems: gazette build will list them
  );
  if (numbers && !numbers.includes(number)) {
    const there = numbers.length === 0 ? "has no issues yet" : `has issue${numbers.length === 1 ? "" : "s"} ${formatNumbers(numbers)}`;
    return Object.assign(new Error(`there is no issue ${number}: ${ISSUES_DIR} ${there}`), { code: "GAZETTE_NO_ISSUE" });
  }
  return Object.assign(new Error(`no built email for issue ${number} in dist/emails: run gazette build first`), { code: "GAZETTE_NOT_BUILT" });
}

/** 1, 2, 3, 5, 7, 8, 9 → "1-3, 5, 7-9": a thousand issues stay one short line. */
export function formatNumbers(numbers: number[]): string {
  const runs: [number, number][] = [];
  for (const n of [...new Set(numbers)].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else runs.push([n, n]);
  }
  return runs.map(([from, to]) => (to === from ? `${from}` : to === from + 1 ? `${from}, ${to}` : `${from}-${to}`)).join(", ");
}
