import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Subscriber } from "../model/subscriber.ts";
import type { Newsletter } from "../model/newsletter.ts";
import type { DeliveryLedger, Outcome, SubscriberStore } from "../store/store.ts";
import type { PreparedMessage } from "./message.ts";
import { signToken } from "./tokens.ts";
import { verpAddress } from "./verp.ts";
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
  /** Base of the unsubscribe and click links; defaults to the newsletter's base_url. */
  linkBase?: string;
  /** Messages in flight at once: bounded, so memory stays flat, and the most a crash can leave uncertain. */
  concurrency: number;
  retry: RetryPolicy;
  /** GAZETTE_BOUNCE_ADDRESS: envelope senders become its VERP form, and the List-Unsubscribe mailto goes to it. */
  bounceAddress?: string;
  /**
   * Connection-level failures in a row (refused, no greeting, TLS), with no
   * message accepted between, after which the relay counts as unreachable
   * and the run stops. Default: twice the concurrency, at least 4.
   */
  maxConnectionFailures?: number;
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
  /** Refused for good (5xx to RCPT TO or DATA) in this run: never retried. */
  rejected: number;
  /** Messages still deferred (temporary failures) after this run: a rerun retries them. */
  deferred: number;
  /** In flight when an earlier run died: maybe delivered; resent only with --resend-uncertain. */
  uncertain: number;
  /** Confirmed subscribers still owed the issue after this run (deferred or not yet tried; uncertain ones apart). */
  owed: number;
  /** Marked bounced during this run. */
  bounced: number;
  /** Ctrl-C (or the signal) stopped the run before the end. */
  stopped: boolean;
  /** The relay refused the session (login, sender address): the run stopped; what it said. */
  relayRefused?: string;
  /** Connection-level failures in a row: the run stopped, the rest left owed; how many and the last one. */
  relayUnreachable?: string;
  /** The ledger could not be read or written: the run stopped at once (in-flight messages finished). */
  storeError?: Error;
  /** Outcomes the ledger could not take (after a storeError): their rows still say 'sending'. */
  unrecorded: { email: string; state: Outcome["state"] }[];
  durationMs: number;
}

type Halt = { kind: "relay-refused" | "relay-unreachable"; reason: string } | { kind: "store" | "internal"; error: Error };

interface Run extends CampaignOptions {
  worker: string;
  /** Outcomes not yet in the ledger, with the address for the report should the ledger fail. */
  settled: (Outcome & { email: string })[];
  halt?: Halt;
  /** Aborted by any stop: Ctrl-C (the signal) or a halt. */
  stopping: AbortController;
  stop(halt: Halt): void;
  connectionFailures: number;
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
  const report: CampaignReport = { sent: 0, failed: 0, skipped: 0, total, startedAt, failures: {}, rejected: 0, deferred: 0, uncertain: 0, owed: 0, bounced: 0, stopped: false, unrecorded: [], durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  const onAbort = () => stopping.abort();
  if (options.signal?.aborted) stopping.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const run: Run = {
    ...options,
    worker,
    settled: [],
    stopping,
    connectionFailures: 0,
    stop(halt) {
      run.halt ??= halt;
      stopping.abort();
    },
  };
  // Whatever stops a run (Ctrl-C, the relay refusing or unreachable, a
  // store error) stops it the same way: nothing new starts, the messages in
  // flight finish, every outcome that can be recorded is.
  const storeFailed = (err: unknown) => run.stop({ kind: "store", error: err as Error });
  // Outcomes are recorded with the next message's 'sending' mark (one commit
  // a message instead of two), or by this timer when sending pauses. Until
  // then a delivered message still reads 'sending': after a crash, uncertain.
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    if (run.settled.length === 0) return;
    const batch = run.settled.splice(0);
    try {
      await store.recordOutcomes(batch);
    } catch (err) {
      run.settled.unshift(...batch); // kept for the last flush, or the report
      storeFailed(err);
    }
  };
  const timer = setInterval(() => {
    if (run.halt?.kind !== "store" && !flushing) flushing = flush().finally(() => (flushing = undefined));
  }, 100);
  // Claims outlive a slow relay: renewed well before they run out.
  const heartbeat = setInterval(() => void store.renewLeases(worker, leaseMs).catch(storeFailed), leaseMs / 3);
  timer.unref();
  heartbeat.unref();
  try {
    outer: for (;;) {
      let page: Subscriber[];
      try {
        page = await store.claimRecipients(issue, worker, { limit: options.batch ?? options.concurrency, leaseMs });
      } catch (err) {
        storeFailed(err);
        break;
      }
      if (page.length === 0) {
        // Nothing left to claim; messages still retrying may yet need their slots.
        if (inFlight.size === 0 || stopping.signal.aborted) break;
        await Promise.race(inFlight);
        continue;
      }
      for (const subscriber of page) {
        // Checked after waiting for a free slot: a stop that came meanwhile starts nothing more.
        while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
        if (stopping.signal.aborted) {
          report.stopped = !run.halt; // Ctrl-C; a halt says why itself
          break outer;
        }
        const task = deliver(run, subscriber, report)
          .catch((err: Error) => run.stop({ kind: "internal", error: err }))
          .finally(() => inFlight.delete(task));
        inFlight.add(task);
      }
    }
  } finally {
    // Whatever stopped the loop, the messages in flight finish and every outcome that can be is recorded.
    await Promise.allSettled(inFlight);
    clearInterval(timer);
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
    await flushing;
    await flush();
    // Claims never begun go back, for the other workers or the next run.
    await store.releaseLeases(worker).catch(storeFailed);
  }
  if (run.halt?.kind === "internal") throw run.halt.error;
  if (run.halt?.kind === "relay-refused") report.relayRefused = run.halt.reason;
  if (run.halt?.kind === "relay-unreachable") report.relayUnreachable = run.halt.reason;
  report.unrecorded = run.settled.map((o) => ({ email: o.email, state: o.state }));
  try {
    const states = await store.countByState(issue);
    report.uncertain = states.uncertain ?? 0;
    report.deferred = states.deferred ?? 0;
    report.owed = await store.countOwed(issue, false);
  } catch (err) {
    run.halt ??= { kind: "store", error: err as Error };
  }
  if (run.halt?.kind === "store") report.storeError = run.halt.error;
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

async function deliver(run: Run, subscriber: Subscriber, report: CampaignReport): Promise<void> {
  const { store, issue, retry, worker } = run;
  const messageId = messageIdFor(run, subscriber);
  const token = signToken(run.secret, "unsubscribe", subscriber);
  const base = run.linkBase ?? run.newsletter.base_url;
  const unsubscribeUrl = new URL(`unsubscribe/${token}`, base).href;
  const raw = run.message.build({
    linkBase: base,
    email: subscriber.email,
    name: subscriber.name,
    messageId,
    unsubscribeUrl,
    unsubscribeMailto: `mailto:${run.bounceAddress ?? run.newsletter.sender.email}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`,
  });
  const settle = (state: Outcome["state"], detail: string, retrying?: boolean) =>
    run.settled.push({ issue, subscriberId: subscriber.id, email: subscriber.email, state, detail, ...(retrying ? { retrying } : {}) });
  const envelopeFrom = run.bounceAddress ? verpAddress(run.secret, run.bounceAddress, issue, subscriber.id) : run.message.from;
  for (let attempt = 1; ; attempt++) {
    // Checked again at every attempt: someone who unsubscribes mid-send gets nothing more.
    const earlier = run.settled.splice(0);
    let begun: Awaited<ReturnType<typeof store.beginAttempt>>;
    try {
      begun = await store.beginAttempt(issue, subscriber.id, messageId, worker, earlier);
    } catch (err) {
      run.settled.unshift(...earlier); // not recorded: kept for the last flush, or the report
      run.stop({ kind: "store", error: err as Error });
      return;
    }
    if (begun === "skipped") report.skipped++;
    if (begun !== "sending") break; // "lost": another worker holds it now
    if (run.ratePerSecond && run.ratePerSecond > 0) {
      try {
        // One limit for every worker: the slot is taken last, so nothing stands between it and the relay.
        await waitForSlot(store, run.ratePerSecond);
      } catch (err) {
        settle("deferred", `not sent: the store failed (${(err as Error).message})`);
        run.stop({ kind: "store", error: err as Error });
        break;
      }
    }
    try {
      const response = await run.transport.send({ from: envelopeFrom, to: subscriber.email }, raw, `${String(subscriber.id).padStart(8, "0")}`);
      settle("accepted", response);
      run.connectionFailures = 0;
      report.sent++;
      break;
    } catch (err) {
      const failure = asSendFailure(err);
      if (failure.kind === "permanent") {
        settle("rejected", `${failure.reason}: ${failure.message}`);
        report.rejected++;
        countFailure(report, failure.reason);
        if (failure.unknownUser) {
          report.bounced++;
          await store.setStatus(subscriber.id, "bounced").catch((storeErr: unknown) => run.stop({ kind: "store", error: storeErr as Error }));
        }
        break;
      }
      const detail = `${failure.reason}: ${failure.message}`;
      // Not this reader's fault: left deferred (a rerun sends it) and no more are started.
      if (failure.kind === "relay") run.stop({ kind: "relay-refused", reason: detail });
      if (failure.connection && ++run.connectionFailures >= (run.maxConnectionFailures ?? Math.max(4, 2 * run.concurrency))) {
        run.stop({ kind: "relay-unreachable", reason: `${run.connectionFailures} connection failures in a row, the last ${detail}` });
      }
      if (run.halt) {
        settle("deferred", detail);
        break;
      }
      if (attempt >= retry.attempts || run.stopping.signal.aborted) {
        settle("deferred", detail);
        countFailure(report, failure.reason);
        break;
      }
      // Kept under this worker's lease through the back-off, which any stop cuts short:
      // a message waiting to retry is not in flight, and stays deferred.
      settle("deferred", detail, true);
      const waited = await sleep(backoff(retry, attempt), true, { signal: run.stopping.signal }).catch(() => false);
      if (!waited) {
        settle("deferred", detail); // no longer retrying: its lease may go
        break;
      }
    }
  }
  run.onProgress?.(report);
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



/** The (issue, subscriber) of a Message-ID messageIdFor made, when its tag verifies; the domain is not checked. */
export function deliveryOfMessageId(secret: Buffer, messageId: string): { issue: number; subscriberId: number } | undefined {
  const match = /^<issue(\d{1,9})\.(\d{1,15})\.([A-Za-z0-9_-]{16})@[^<>\s]+>$/.exec(messageId.trim());
  if (!match) return undefined;
  const issue = Number(match[1]);
  const subscriberId = Number(match[2]);
  const expected = createHmac("sha256", secret).update(`message-id\0${issue}\0${subscriberId}`).digest("base64url").slice(0, 16);
  const a = Buffer.from(expected);
  const b = Buffer.from(match[3]!);
  return a.length === b.length && timingSafeEqual(a, b) ? { issue, subscriberId } : undefined;
}
