import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { EmailMeta } from "../build/emails.ts";
import { linkBase, readConfig } from "../config.ts";
import { ISSUES_DIR, loadContent, NEWSLETTER_FILE } from "../content/load.ts";
import { parseNewsletter } from "../content/parse.ts";
import { ContentError } from "../errors.ts";
import { acquireLock } from "../lock.ts";
import { deadLocalWorkers, type CampaignReport } from "../send/campaign.ts";
import { prepareMessage } from "../send/message.ts";
import { createOutboxTransport, createSmtpTransport } from "../send/transport.ts";
import { parseAddress } from "../store/address.ts";
import { openStore } from "../store/open.ts";
import { renderProgress } from "./progress.ts";
import { sendCampaign } from "./send-campaign.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface SendOptions {
  yes?: boolean;
  dryRun?: boolean;
  test?: string;
  resendUncertain?: boolean;
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
          unsubscribeMailto: `mailto:${newsletter.sender.email}?subject=unsubscribe`,
        }),
        `test-${Date.now()}`,
      );
      io.out(`sent a test copy of #${number} to ${address.address} via ${transport.description}: ${response}\nnothing was recorded.\n`);
      return;
    }
    if (meta.draft) throw Object.assign(new Error(`issue ${number} is a draft: set draft: false and build before sending (or use --test)`), { code: "GAZETTE_DRAFT" });

    mkdirSync(dataDir, { recursive: true }); // for the lock, even when the store is PostgreSQL
    const release = acquireLock(path.join(dataDir, `send-${number}.lock`), `another gazette send ${number} is running`);
    const store = await openStore(root, config);
    try {
      // Rows left 'sending' by a worker that is gone are uncertain: say so before asking, and count them right.
      await store.expireLeases(number, deadLocalWorkers(await store.leaseHolders(number)));
      const owed = await store.countOwed(number, !!opts.resendUncertain);
      const done = await store.countByState(number);
      io.out(
        `issue #${number}: ${meta.subject}\n` +
          `recipients: ${owed} confirmed subscriber${owed === 1 ? "" : "s"} still to receive it` +
          `${done.accepted ? ` (${done.accepted} already ${done.accepted === 1 ? "has" : "have"} it)` : ""}${done.uncertain && !opts.resendUncertain ? `; ${done.uncertain} uncertain, left alone` : ""}\n` +
          `transport: ${transport.description}${workers > 1 ? `, ${workers} workers` : ""}\n`,
      );
      if (opts.dryRun) {
        io.out("dry run: nothing was sent.\n");
        return;
      }
      if (owed === 0) {
        io.out("nothing to send.\n");
        return;
      }
      if (!opts.yes && !(await confirm(`send to ${owed} now? [y/N] `))) {
        io.out("not sent.\n");
        return;
      }
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        io.err("\nstopping: finishing the messages in flight (Ctrl-C again to quit at once)…\n");
        controller.abort();
      };
      process.on("SIGINT", onSigint);
      const progress = renderProgress(io);
      try {
        const report = await sendCampaign({ root, config, store, number, workers, resendUncertain: !!opts.resendUncertain, signal: controller.signal, onProgress: progress.update });
        progress.stop();
        io.out(formatReport(report, number));
        // 130: stopped by Ctrl-C, as shells report it; the report above says how to resume.
        if (report.stopped) throw Object.assign(new Error(""), { code: "GAZETTE_STOPPED", exitCode: 130 });
        if (report.relayRefused) throw Object.assign(new Error(""), { code: "GAZETTE_RELAY", exitCode: 1 });
      } finally {
        progress.stop();
        process.off("SIGINT", onSigint);
      }
    } finally {
      await store.close();
      release();
    }
  } finally {
    await transport.close();
  }
}

export function formatReport(report: CampaignReport, number: number): string {
  const seconds = report.durationMs / 1000;
  const lines = [
    `sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped} (no longer confirmed) in ${seconds.toFixed(1)} s (${seconds > 0 ? (report.sent / seconds).toFixed(1) : report.sent} messages/s)`,
  ];
  for (const [reason, n] of Object.entries(report.failures).sort((a, b) => b[1] - a[1])) lines.push(`  failed ${reason}: ${n}`);
  if (report.bounced) lines.push(`  ${report.bounced} marked bounced (unknown user)`);
  if (report.deferred) lines.push(`${report.deferred} deferred by temporary failures: run gazette send ${number} again later to retry them`);
  if (report.uncertain) lines.push(`${report.uncertain} uncertain (in flight when an earlier run stopped; may have arrived): gazette send ${number} --resend-uncertain resends them`);
  if (report.stopped) lines.push(`stopped before the end: run gazette send ${number} to continue where it left off`);
  if (report.relayRefused) {
    lines.push(`stopped: the relay refused to send at all (${report.relayRefused}); no reader was marked failed or bounced for it. Check SMTP_URL and the sender address, then run gazette send ${number} again`);
  }
  return `${lines.join("\n")}\n`;
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
