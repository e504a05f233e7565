import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { linkBase, readConfig, type Config } from "../config.ts";
import { runCampaign, type CampaignReport } from "../send/campaign.ts";
import { Scheduler } from "../send/scheduler.ts";
import { prepareMessage } from "../send/message.ts";
import { createOutboxTransport, createSmtpTransport, type Transport } from "../send/transport.ts";
import { describeStore, openStore } from "../store/open.ts";
import { readStoreSecret } from "./secret.ts";
import type { Store } from "../store/store.ts";
import { createScheduledSend, schedulerId } from "./schedule.ts";
import { readBuiltEmail, readNewsletter } from "./send-run.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** What one worker needs to send one issue: the prepared message, the secret, a transport. */
export interface WorkerKit {
  number: number;
  subject: string;
  run(store: Store, signal?: AbortSignal): Promise<CampaignReport>;
  transport: Transport;
  close(): Promise<void>;
}

/**
 * Prepares a worker for issue `number`: the built email (dist/ must be
 * built here too), the newsletter, the token secret, and a transport. The
 * rate limit (SMTP_RATE) is the store's, shared by every worker, so the
 * transport itself is not limited.
 */
export async function prepareWorker(root: string, number: number, config: Config, store: Store): Promise<WorkerKit> {
  const dataDir = path.resolve(root, config.GAZETTE_DATA_DIR);
  const newsletter = await readNewsletter(root);
  const { meta, html, text } = await readBuiltEmail(root, number);
  const message = prepareMessage({ meta, html, text, newsletter, date: new Date() });
  const secret = await readStoreSecret(root, config, store);
  const transport = config.SMTP_URL ? await createSmtpTransport({ ...config, SMTP_RATE: 0 }) : createOutboxTransport(path.join(dataDir, "outbox", String(number)));
  return {
    number,
    subject: meta.subject,
    transport,
    run: (s, signal) =>
      runCampaign({
        issue: number,
        newsletter,
        store: s,
        transport,
        message,
        secret,
        linkBase: linkBase(config, newsletter.base_url),
        concurrency: config.SMTP_URL ? config.SMTP_POOL_SIZE : 4,
        retry: { attempts: 5, baseDelayMs: config.GAZETTE_RETRY_BASE_MS, maxDelayMs: config.GAZETTE_RETRY_BASE_MS * 30 },
        leaseMs: config.GAZETTE_LEASE_SECONDS * 1000,
        ratePerSecond: config.SMTP_RATE,
        bounceAddress: config.GAZETTE_BOUNCE_ADDRESS,
        signal,
      }),
    close: () => transport.close(),
  };
}

/**
 * gazette worker [--issue N] [--watch]: joins every running campaign (or
 * one) and sends until none has a recipient left to claim. With --watch it
 * keeps going: every GAZETTE_SCHEDULE_SECONDS it fires due scheduled sends
 * (once, whichever process claims them) and joins campaigns started since.
 * Ctrl-C (SIGINT) or SIGTERM: finishes the messages in flight, gives back
 * its other claims.
 */
export async function work(io: Io, root: string, opts: { issue?: number; quiet?: boolean; watch?: boolean }): Promise<void> {
  const config = readConfig();
  const store = await openStore(root, config);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const where = describeStore(root, config);
    if (!config.DATABASE_URL && !opts.quiet) {
      io.err(`gazette worker: ${where} is this machine's own: this worker joins only campaigns started here; workers on other machines need DATABASE_URL=postgres://… (PostgreSQL)\n`);
    }
    const join = async () => {
      for (const number of opts.issue !== undefined ? [opts.issue] : await store.runningCampaigns()) {
        if (controller.signal.aborted) break;
        const kit = await prepareWorker(root, number, config, store);
        try {
          const report = await kit.run(store, controller.signal);
          await store.finishCampaign(number);
          if (!opts.quiet) io.out(`#${number}: this worker sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped}${report.stopped ? " (stopped)" : ""}\n`);
          if (report.relayRefused) throw Object.assign(new Error(`the relay refused to send (${report.relayRefused})`), { code: "GAZETTE_RELAY" });
        } finally {
          await kit.close();
        }
      }
    };
    if (opts.watch) {
      const log = (line: string) => io.err(`gazette worker: ${line}\n`);
      const scheduler = new Scheduler({ store: store.schedules, worker: schedulerId(), now: () => new Date(), overdueMs: 3600_000, fire: createScheduledSend({ root, config, store, log, signal: controller.signal }), log });
      if (!opts.quiet) io.out(`watching ${where} for scheduled sends and running campaigns every ${config.GAZETTE_SCHEDULE_SECONDS} s; Ctrl-C to stop\n`);
      while (!controller.signal.aborted) {
        await scheduler.tick();
        await join();
        await sleep(config.GAZETTE_SCHEDULE_SECONDS * 1000, undefined, { signal: controller.signal }).catch(() => {});
      }
    } else {
      const issues = opts.issue !== undefined ? [opts.issue] : await store.runningCampaigns();
      if (issues.length === 0) {
        if (!opts.quiet) io.out(`no running campaign in ${where}: start one with gazette send NUMBER${config.DATABASE_URL ? "" : " (on this machine)"}\n`);
        return;
      }
      await join();
    }
    if (controller.signal.aborted) throw Object.assign(new Error(""), { code: "GAZETTE_STOPPED", exitCode: 130 });
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await store.close();
  }
}
