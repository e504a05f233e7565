import { readFile } from "node:fs/promises";
import path from "node:path";
import { CONFIRM_META_FILE, type ConfirmMeta } from "../build/emails.ts";
import { linkBase, type Config } from "../config.ts";
import { NEWSLETTER_FILE } from "../content/load.ts";
import { parseNewsletter } from "../content/parse.ts";
import { ConfirmationThread } from "../send/confirmation-thread.ts";
import type { ClickDeps } from "../server/clicks.ts";
import { DEFAULT_LIMITS, type SubscriptionDeps } from "../server/subscriptions.ts";
import { Scheduler } from "../send/scheduler.ts";
import { openStore } from "../store/open.ts";
import { createScheduledSend, schedulerId } from "./schedule.ts";
import { readStoreSecret } from "./secret.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface Subscriptions {
  deps: SubscriptionDeps;
  /** Behind /r/<issue>/<n>: the click counts. */
  clicks: Omit<ClickDeps, "distDir">;
  /** Tell it the address the server listens on, once known. */
  listening(address: string): void;
  /** Lines for the start-up message: where confirmation mails go and where their links point. */
  describe(): string[];
  /** Waits for confirmation mails in flight, then closes the store. */
  close(): Promise<void>;
}

/**
 * The store, secret, newsletter and confirmation mailer behind /subscribe,
 * /confirm and /unsubscribe. Without a valid newsletter.yaml the server runs
 * without them; without a built confirmation mail, without signups.
 */
export async function openSubscriptions(io: Io, root: string, distDir: string, config: Config, options: { schedules?: boolean } = {}): Promise<Subscriptions | undefined> {
  const text = await readFile(path.join(root, NEWSLETTER_FILE), "utf8").catch(() => undefined);
  const parsed = text === undefined ? undefined : parseNewsletter(text, NEWSLETTER_FILE);
  if (!parsed?.ok) {
    io.err(`gazette: no valid ${NEWSLETTER_FILE}: serving without /subscribe, /confirm and /unsubscribe\n`);
    return undefined;
  }
  const newsletter = parsed.value;
  const dataDir = path.resolve(root, config.GAZETTE_DATA_DIR);
  const store = await openStore(root, config);
  const secret = await readStoreSecret(root, config, store);
  let listeningAt: string | undefined;
  const links = () => linkBase(config, newsletter.base_url, listeningAt);
  const outboxDir = path.join(dataDir, "outbox", "confirm");
  const confirmation = await readConfirmation(distDir);
  if (!confirmation) io.err(`gazette: no ${path.join(path.relative(process.cwd(), distDir) || ".", CONFIRM_META_FILE)}: run gazette build; until then signups are closed\n`);
  // The mailer runs on a thread of its own (its own event loop, store connection and transport):
  // on the server's loop a rush of requests starved it. It sends the mails left queued at once.
  const mailer =
    confirmation &&
    (await ConfirmationThread.start({ root, config, outboxDir, secret, newsletter, confirmation }, (line) => io.err(`gazette: ${line}\n`)).catch(async (err: Error) => {
      await store.close();
      throw err;
    }));
  // Due scheduled sends go out from here (gazette serve, not preview): each is fired by one process only.
  const scheduler = options.schedules
    ? new Scheduler({
        store: store.schedules,
        worker: schedulerId(),
        now: () => new Date(),
        overdueMs: 3600_000,
        fire: createScheduledSend({ root, config, store, log: (line) => io.err(`gazette: ${line}\n`) }),
        log: (line) => io.err(`gazette: ${line}\n`),
      })
    : undefined;
  scheduler?.start(config.GAZETTE_SCHEDULE_SECONDS * 1000);
  const publicOrigins = config.GAZETTE_PUBLIC_URL ? [new URL(config.GAZETTE_PUBLIC_URL).origin] : [];
  return {
    deps: { store, secret, newsletter, mailer, publicOrigins, limits: { subscribe: { ...DEFAULT_LIMITS.subscribe, max: config.GAZETTE_SIGNUPS_PER_CLIENT } } },
    clicks: { store: store.schedules, log: (line) => io.err(`gazette: ${line}\n`) },
    listening(address) {
      listeningAt = address;
      mailer?.listening(address);
    },
    describe() {
      if (!mailer) return ["  signups  closed until gazette build writes the confirmation mail"];
      const where = config.SMTP_URL ? mailer.description : `${path.relative(process.cwd(), outboxDir) || outboxDir}/ (no SMTP_URL set: open the .eml files in any mail client)`;
      return [
        `  signups  confirmation mails go to ${where}`,
        `           their links start ${links()}`,
        ...(scheduler ? [`  schedule due scheduled sends (gazette send N --at …) go out from here; checked every ${config.GAZETTE_SCHEDULE_SECONDS} s`] : []),
      ];
    },
    async close() {
      await scheduler?.stop();
      await mailer?.close();
      await store.close();
    },
  };
}

async function readConfirmation(distDir: string): Promise<{ subject: string; html: string; text: string } | undefined> {
  try {
    const meta = JSON.parse(await readFile(path.join(distDir, CONFIRM_META_FILE), "utf8")) as ConfirmMeta;
    const dir = path.join(distDir, "emails");
    const [html, text] = await Promise.all([readFile(path.join(dir, meta.html), "utf8"), readFile(path.join(dir, meta.text), "utf8")]);
    return { subject: meta.subject, html, text };
  } catch {
    return undefined;
  }
}
