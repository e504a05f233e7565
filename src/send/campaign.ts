import { createHmac } from "node:crypto";
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
  newsletter: Newsletter;
  store: SubscriberStore & DeliveryLedger;
  transport: Transport;
  message: PreparedMessage;
  secret: Buffer;
  /** Base of the unsubscribe links; defaults to the newsletter's base_url. */
  linkBase?: string;
  /** Messages in flight at once: bounded, so memory stays flat, and the most a crash can leave uncertain. */
  concurrency: number;
  retry: RetryPolicy;
  resendUncertain: boolean;
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
  /** Outcomes not yet in the ledger, with the address for the report should the ledger fail. */
  settled: (Outcome & { email: string })[];
  halt?: Halt;
  stopping: AbortController;
  stop(halt: Halt): void;
  connectionFailures: number;
}

/**
 * Sends one issue to every confirmed subscriber still owed it. Each step is
 * in the ledger before it happens: a row says 'sending' before the bytes go
 * to the transport and 'accepted' / 'deferred' / 'rejected' after, so a
 * crash can only leave 'sending' rows, which the next run reports as
 * uncertain instead of resending. Whatever stops a run (Ctrl-C, the relay
 * refusing or unreachable, a ledger error) stops it the same way: nothing
 * new starts, the messages in flight finish, every outcome that can be
 * recorded is.
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const { store, issue } = options;
  const startedAt = Date.now();
  await store.markInFlightUncertain(issue);
  const total = await store.countOwed(issue, options.resendUncertain);
  const report: CampaignReport = { sent: 0, failed: 0, skipped: 0, total, startedAt, failures: {}, rejected: 0, deferred: 0, uncertain: 0, owed: 0, bounced: 0, stopped: false, unrecorded: [], durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  const onAbort = () => stopping.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const run: Run = {
    ...options,
    settled: [],
    stopping,
    connectionFailures: 0,
    stop(halt) {
      run.halt ??= halt;
      stopping.abort();
    },
  };
  // Outcomes are recorded with the next message's 'sending' mark (one commit
  // a message instead of two), or by this timer when sending pauses. Until
  // then a delivered message still reads 'sending': after a crash, uncertain.
  let flushing: Promise<void> | undefined;
  const flush = async () => {
    await flushing; // one flush at a time
    if (run.settled.length === 0) return;
    const batch = run.settled.splice(0);
    try {
      await store.recordOutcomes(batch);
    } catch (err) {
      run.settled.unshift(...batch);
      run.stop({ kind: "store", error: err as Error });
    }
  };
  const timer = setInterval(() => {
    if (run.halt?.kind !== "store" && !flushing) flushing = flush().finally(() => (flushing = undefined));
  }, 100);
  timer.unref();
  let afterId = 0;
  try {
    outer: for (;;) {
      let page: Subscriber[];
      try {
        page = await store.recipientsOwed(issue, { includeUncertain: options.resendUncertain, afterId, limit: 500 });
      } catch (err) {
        run.stop({ kind: "store", error: err as Error });
        break;
      }
      if (page.length === 0) break;
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
      afterId = page[page.length - 1]!.id;
    }
  } finally {
    // Whatever stopped the loop, the messages in flight finish and every outcome that can be is recorded.
    await Promise.allSettled(inFlight);
    clearInterval(timer);
    options.signal?.removeEventListener("abort", onAbort);
    await flush();
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

async function deliver(run: Run, subscriber: Subscriber, report: CampaignReport): Promise<void> {
  const { store, issue, retry } = run;
  const messageId = messageIdFor(run, subscriber);
  const token = signToken(run.secret, "unsubscribe", subscriber);
  const unsubscribeUrl = new URL(`unsubscribe/${token}`, run.linkBase ?? run.newsletter.base_url).href;
  const raw = run.message.build({
    email: subscriber.email,
    name: subscriber.name,
    messageId,
    unsubscribeUrl,
    unsubscribeMailto: `mailto:${run.newsletter.sender.email}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`,
  });
  const settle = (state: Outcome["state"], detail: string) => run.settled.push({ issue, subscriberId: subscriber.id, email: subscriber.email, state, detail });
  for (let attempt = 1; ; attempt++) {
    // Checked again at every attempt: someone who unsubscribes mid-send gets nothing more.
    const earlier = run.settled.splice(0);
    let owed: boolean;
    try {
      owed = await store.beginAttempt(issue, subscriber.id, messageId, earlier);
    } catch (err) {
      run.settled.unshift(...earlier); // not recorded: kept for the last flush, or the report
      run.stop({ kind: "store", error: err as Error });
      return;
    }
    if (!owed) {
      report.skipped++;
      break;
    }
    try {
      const response = await run.transport.send({ from: run.message.from, to: subscriber.email }, raw, `${String(subscriber.id).padStart(8, "0")}`);
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
          try {
            await store.setStatus(subscriber.id, "bounced");
          } catch (storeErr) {
            run.stop({ kind: "store", error: storeErr as Error });
          }
        }
        break;
      }
      settle("deferred", `${failure.reason}: ${failure.message}`);
      // Not this reader's fault: left deferred (a rerun sends it) and no more are started.
      if (failure.kind === "relay") run.stop({ kind: "relay-refused", reason: `${failure.reason}: ${failure.message}` });
      if (failure.connection && ++run.connectionFailures >= (run.maxConnectionFailures ?? Math.max(4, 2 * run.concurrency))) {
        run.stop({ kind: "relay-unreachable", reason: `${run.connectionFailures} connection failures in a row, the last ${failure.reason}: ${failure.message}` });
      }
      if (run.halt) break;
      if (attempt >= retry.attempts || run.stopping.signal.aborted) {
        countFailure(report, failure.reason);
        break;
      }
      // Cut short by any stop: a message waiting to retry is not in flight, and stays deferred.
      const waited = await sleep(backoff(retry, attempt), true, { signal: run.stopping.signal }).catch(() => false);
      if (!waited) break;
    }
  }
  run.onProgress?.(report);
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


