import { createHmac, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Subscriber } from "../model/subscriber.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { DeliveryLedger, Outcome, SubscriberStore } from "../store/store.ts";
import type { PreparedMessage } from "./message.ts";
import { signToken } from "./tokens.ts";
import { asSendFailure, type Transport } from "./transport.ts";

export interface RetryPolicy {
  /** Attempts per message in one run (temporary failures only). */
  attempts: number;
  /** First back-off; doubles each time, with ±50% jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface CampaignOptions {
  issue: number;
  /** This worker's id, unique among every worker on every machine (see workerId). */
  worker?: string;
  /** How long a claim lasts without renewal: a worker that dies loses its claims after this (default 30 s). */
  leaseMs?: number;
  /** Recipients claimed at a time (default: the concurrency). */
  batch?: number;
  /** Messages per second for every worker together (SMTP_RATE), kept in the store; 0 for no limit. */
  ratePerSecond?: number;
  newsletter: Newsletter;
  store: SubscriberStore & DeliveryLedger;
  transport: Transport;
  message: PreparedMessage;
  secret: Buffer;
  /** Base of the unsubscribe links; defaults to the newsletter's base_url. */
  linkBase?: string;
  /** Messages in flight at once: bounded, so memory stays flat. */
  concurrency: number;
  retry: RetryPolicy;
  /** Aborting stops taking new recipients; messages in flight finish and are recorded. */
  signal?: AbortSignal;
  onProgress?: (progress: CampaignProgress) => void;
}

export interface CampaignProgress {
  sent: number;
  failed: number;
  skipped: number;
  /** Recipients owed when the run started. */
  total: number;
  startedAt: number;
}

export interface CampaignReport extends CampaignProgress {
  /** Permanent or exhausted failures by reason ("550 5.1.1", "451", "ECONNRESET"). */
  failures: Record<string, number>;
  /** Messages still deferred (temporary failures) after this run: a rerun retries them. */
  deferred: number;
  /** In flight when an earlier run died: maybe delivered; resent only with --resend-uncertain. */
  uncertain: number;
  /** Marked bounced during this run. */
  bounced: number;
  /** Ctrl-C (or the signal) stopped the run before the end. */
  stopped: boolean;
  /** The relay refused the session (login, sender address): the run stopped; what it said. */
  relayRefused?: string;
  durationMs: number;
}

/**
 * One worker's share of a campaign: claims recipients from the frozen
 * ledger in small batches under a lease, and sends to each. Each step is in
 * the ledger before it happens: a row says 'sending' before the bytes go to
 * the transport and 'accepted' / 'deferred' / 'rejected' after, so a crash
 * can only leave 'sending' rows, which become uncertain instead of being
 * resent. The report counts what this worker did; the caller reads the
 * whole campaign from the ledger.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const { store, issue } = options;
  const worker = options.worker ?? workerId();
  const leaseMs = options.leaseMs ?? 30_000;
  const startedAt = Date.now();
  const total = await store.countOwed(issue, false);
  const report: CampaignReport = { sent: 0, failed: 0, skipped: 0, total, startedAt, failures: {}, deferred: 0, uncertain: 0, bounced: 0, stopped: false, durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  // Outcomes are recorded with the next message's 'sending' mark (one commit
  // a message instead of two), or by this timer when sending pauses. Until
  // then a delivered message still reads 'sending': after a crash, uncertain.
  const settled: Outcome[] = [];
  let storeError: unknown;
  const flush = () => store.recordOutcomes(settled.splice(0));
  const timer = setInterval(() => void flush().catch((err: unknown) => (storeError ??= err)), 100);
  // Claims outlive a slow relay: renewed well before they run out.
  const heartbeat = setInterval(() => void store.renewLeases(worker, leaseMs).catch((err: unknown) => (storeError ??= err)), leaseMs / 3);
  timer.unref();
  heartbeat.unref();
  const ctx = { ...options, worker, settled, halt: { reason: undefined as string | undefined } };
  try {
    outer: for (;;) {
      if (storeError) throw storeError;
      const page = await store.claimRecipients(issue, worker, { limit: options.batch ?? options.concurrency, leaseMs });
      if (page.length === 0) {
        // Nothing left to claim; messages still retrying may yet need their slots.
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      for (const subscriber of page) {
        // Checked after waiting for a free slot: a stop that came meanwhile starts nothing more.
        while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
        if (options.signal?.aborted) {
          report.stopped = true;
          break outer;
        }
        if (ctx.halt.reason || storeError) break outer;
        const task = deliver(ctx, subscriber, report)
          .catch((err: unknown) => void (storeError ??= err))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
  } finally {
    // Whatever stopped the loop, the messages in flight finish and every outcome is recorded.
    await Promise.allSettled(inFlight);
    clearInterval(timer);
    clearInterval(heartbeat);
    await flush();
    // Claims never begun go back, for the other workers or the next run.
    await store.releaseLeases(worker);
  }
  if (storeError) throw storeError;
  if (ctx.halt.reason) report.relayRefused = ctx.halt.reason;
  const states = await store.countByState(issue);
  report.uncertain = states.uncertain ?? 0;
  report.deferred = states.deferred ?? 0;
  report.durationMs = Date.now() - startedAt;
  return report;
}

/** host:pid:random: unique, and tells a worker on this machine whether another one's process is still alive. */
export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Of these lease holders, the workers on this machine whose process has exited. */
export function deadLocalWorkers(holders: string[]): string[] {
  const host = hostname();
  return holders.filter((id) => {
    const [h, pid] = id.split(":");
    if (h !== host || !/^\d+$/.test(pid ?? "")) return false;
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === "ESRCH";
    }
  });
}

async function deliver(options: CampaignOptions & { worker: string; settled: Outcome[]; halt: { reason?: string } }, subscriber: Subscriber, report: CampaignReport): Promise<void> {
  const { store, issue, retry, worker } = options;
  const messageId = messageIdFor(options, subscriber);
  const token = signToken(options.secret, "unsubscribe", subscriber);
  const unsubscribeUrl = new URL(`unsubscribe/${token}`, options.linkBase ?? options.newsletter.base_url).href;
  const raw = options.message.build({
    email: subscriber.email,
    name: subscriber.name,
    messageId,
    unsubscribeUrl,
    unsubscribeMailto: `mailto:${options.newsletter.sender.email}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`,
  });
  for (let attempt = 1; ; attempt++) {
    // Checked again at every attempt: someone who unsubscribes mid-send gets nothing more.
    const begun = await store.beginAttempt(issue, subscriber.id, messageId, worker, options.settled.splice(0));
    if (begun === "skipped") report.skipped++;
    if (begun !== "sending") break; // "lost": another worker holds it now
    try {
      // One limit for every worker: the slot is taken last, so nothing stands between it and the relay.
      if (options.ratePerSecond && options.ratePerSecond > 0) await waitForSlot(store, options.ratePerSecond);
      const response = await options.transport.send({ from: options.message.from, to: subscriber.email }, raw, `${String(subscriber.id).padStart(8, "0")}`);
      options.settled.push({ issue, subscriberId: subscriber.id, state: "accepted", detail: response });
      report.sent++;
      break;
    } catch (err) {
      const failure = asSendFailure(err);
      if (failure.kind === "permanent") {
        options.settled.push({ issue, subscriberId: subscriber.id, state: "rejected", detail: `${failure.reason}: ${failure.message}` });
        if (failure.unknownUser) {
          await store.setStatus(subscriber.id, "bounced");
          report.bounced++;
        }
        countFailure(report, failure.reason);
        break;
      }
      const detail = `${failure.reason}: ${failure.message}`;
      if (failure.kind === "relay") {
        // Not this reader's fault: left deferred (a rerun sends it) and no more are started.
        options.settled.push({ issue, subscriberId: subscriber.id, state: "deferred", detail });
        options.halt.reason ??= detail;
        break;
      }
      if (attempt >= retry.attempts || options.signal?.aborted || options.halt.reason) {
        options.settled.push({ issue, subscriberId: subscriber.id, state: "deferred", detail });
        countFailure(report, failure.reason);
        break;
      }
      // Kept under this worker's lease through the back-off.
      options.settled.push({ issue, subscriberId: subscriber.id, state: "deferred", detail, retrying: true });
      await sleep(backoff(retry, attempt));
    }
  }
  options.onProgress?.(report);
}

/**
 * Waits for this message's slot in the schedule every worker shares. The
 * schedule runs 10% under the rate, and a worker that wakes late (a busy
 * machine) gives its slot up and takes the next, so late senders never
 * bunch up with punctual ones: every second the relay sees at most the
 * rate, whatever the scheduling jitter.
 */
async function waitForSlot(store: DeliveryLedger, perSecond: number): Promise<void> {
  const spacing = 1000 / (perSecond * 0.9);
  for (;;) {
    const wait = await store.takeSendSlot(perSecond * 0.9);
    const due = Date.now() + wait;
    if (wait > 0) await sleep(wait);
    if (Date.now() - due <= spacing / 2) return;
  }
}

function countFailure(report: CampaignReport, reason: string): void {
  report.failed++;
  report.failures[reason] = (report.failures[reason] ?? 0) + 1;
}

/** Exponential, with ±50% jitter so that retries from many connections do not arrive together. */
export function backoff(policy: RetryPolicy, attempt: number): number {
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + Math.random()));
}

/** The same for the same (issue, subscriber) on every attempt and every run. */
export function messageIdFor(options: Pick<CampaignOptions, "issue" | "newsletter" | "secret">, subscriber: Pick<Subscriber, "id">): string {
  const domain = options.newsletter.sender.email.split("@")[1];
  const tag = createHmac("sha256", options.secret).update(`message-id\0${options.issue}\0${subscriber.id}`).digest("base64url").slice(0, 16);
  return `<issue${options.issue}.${subscriber.id}.${tag}@${domain}>`;
}


