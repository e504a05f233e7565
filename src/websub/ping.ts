import { readPending, writePending, type PendingPing } from "./pending.ts";

// WebSub publish notifications (W3C WebSub, section 7 for publishers; the
// de facto form every hub accepts): a POST of
// hub.mode=publish&hub.url=<feed> to the hub, one per feed. Each request
// has a bounded timeout; a failure is reported and stays pending for the
// next ping; nothing here throws for a hub's sake.

export interface PingOutcome extends PendingPing {
  ok: boolean;
  /** The hub's status, or what went wrong (timeout, refused). */
  detail: string;
}

export interface PingOptions {
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface PingReport {
  outcomes: PingOutcome[];
  /** Pending pings dropped because their hub is no longer in websub.hubs. */
  dropped: number;
}

/**
 * Sends every pending ping to the hubs still configured; keeps the ones
 * that failed for the next ping. Outcomes are in the record's order.
 */
export async function sendPendingPings(root: string, hubs: string[], options: PingOptions = {}): Promise<PingReport> {
  const configured = new Set(hubs);
  const pending = await readPending(root);
  const owed = pending.filter((p) => configured.has(p.hub));
  const outcomes = await sendPings(owed, options);
  // Pings recorded meanwhile (by another build) are kept too.
  const done = new Set(outcomes.filter((o) => o.ok).map((o) => `${o.hub}\n${o.feed}`));
  const now = await readPending(root);
  await writePending(root, now.filter((p) => configured.has(p.hub) && !done.has(`${p.hub}\n${p.feed}`)));
  return { outcomes, dropped: pending.length - owed.length };
}

export async function sendPings(pings: PendingPing[], options: PingOptions = {}): Promise<PingOutcome[]> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const outcomes: PingOutcome[] = new Array(pings.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < pings.length; i = next++) outcomes[i] = await sendPing(pings[i]!, timeoutMs);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, pings.length) }, worker));
  return outcomes;
}

async function sendPing(ping: PendingPing, timeoutMs: number): Promise<PingOutcome> {
  try {
    const response = await fetch(ping.hub, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "Gazette (WebSub publisher)" },
      body: new URLSearchParams({ "hub.mode": "publish", "hub.url": ping.feed }).toString(),
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    const ok = response.status >= 200 && response.status < 300;
    return { ...ping, ok, detail: `HTTP ${response.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const detail = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ...ping, ok: false, detail };
  }
}
