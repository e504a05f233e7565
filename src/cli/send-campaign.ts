import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Config } from "../config.ts";
import type { DeliveryState } from "../model/subscriber.ts";
import { packagePath } from "../paths.ts";
import { deadLocalWorkers, type CampaignProgress, type CampaignReport } from "../send/campaign.ts";
import type { Store } from "../store/store.ts";
import { prepareWorker } from "./worker.ts";

export interface SendCampaignOptions {
  root: string;
  config: Config;
  store: Store;
  number: number;
  /** Worker processes on this machine, this one included. */
  workers: number;
  resendUncertain: boolean;
  signal: AbortSignal;
  onProgress: (progress: CampaignProgress) => void;
}

/**
 * gazette send's campaign: freezes the recipients, then sends with this
 * process and `workers - 1` more `gazette worker` processes (and whatever
 * workers other machines add), watching the whole campaign in the ledger:
 * progress and the report count every worker's messages. Ends when no row
 * is owed, or on Ctrl-C once every local worker has finished its messages
 * in flight.
 */
export async function sendCampaign(options: SendCampaignOptions): Promise<CampaignReport> {
  const { store, number } = options;
  const startedAt = Date.now();
  const before = await store.countByState(number);
  const total = await store.startCampaign(number, { resendUncertain: options.resendUncertain });
  const progress = async () => {
    const now = await store.countByState(number);
    const delta = (state: DeliveryState) => (now[state] ?? 0) - (before[state] ?? 0);
    return { sent: delta("accepted"), failed: delta("rejected"), skipped: delta("skipped"), total, startedAt, states: now };
  };
  const watcher = setInterval(() => void progress().then(options.onProgress, () => {}), 250);
  const children = startChildren(options);
  const kit = await prepareWorker(options.root, number, options.config, store);
  let local: CampaignReport | undefined;
  try {
    for (;;) {
      local = await kit.run(store, options.signal);
      if (local.stopped || local.relayRefused || local.relayUnreachable || local.storeError || options.signal.aborted) break;
      // Others (here or elsewhere) may still hold rows: wait for them, taking over from any that die.
      await waitForOthers(store, number, options.signal);
      const queued = (await store.countByState(number)).queued ?? 0;
      if (queued === 0 || options.signal.aborted) break;
    }
  } finally {
    await kit.close();
    if (options.signal.aborted) for (const child of children) child.kill("SIGINT");
    await Promise.all(children.map(exited));
    clearInterval(watcher);
  }
  const stopped = local?.stopped ?? options.signal.aborted;
  const common = { total, startedAt, stopped, relayRefused: local?.relayRefused, relayUnreachable: local?.relayUnreachable, unrecorded: local?.unrecorded ?? [] };
  try {
    await store.expireLeases(number, deadLocalWorkers(await store.leaseHolders(number)));
    await store.finishCampaign(number);
    const final = await progress();
    const outcomes = await store.outcomesSince(number, new Date(startedAt - 1000));
    options.onProgress(final);
    const rejected = Object.values(outcomes.failures).reduce((a, b) => a + b, 0);
    return {
      ...common,
      sent: final.sent,
      failed: rejected,
      rejected,
      skipped: final.skipped,
      failures: outcomes.failures,
      bounced: outcomes.bounced,
      deferred: final.states.deferred ?? 0,
      uncertain: final.states.uncertain ?? 0,
      owed: await store.countOwed(number, false),
      storeError: local?.storeError,
      durationMs: Date.now() - startedAt,
    };
  } catch (err) {
    // The store failed while (or after) the run stopped: the report is this process's own count.
    const own = local ?? { sent: 0, failed: 0, rejected: 0, skipped: 0, failures: {}, bounced: 0, deferred: 0, uncertain: 0, owed: 0 };
    return { ...own, ...common, storeError: local?.storeError ?? (err as Error), durationMs: Date.now() - startedAt };
  }
}

/** K-1 `gazette worker --issue N` processes, in their own process groups: Ctrl-C reaches them once, through this one. */
function startChildren(options: SendCampaignOptions): ChildProcess[] {
  const cli = fileURLToPath(new URL(`file://${packagePath("bin/gazette.js")}`));
  return Array.from({ length: Math.max(0, options.workers - 1) }, () =>
    spawn(process.execPath, [cli, "-C", options.root, "worker", "--issue", String(options.number), "--quiet"], {
      detached: true,
      stdio: ["ignore", "ignore", "inherit"],
      env: process.env,
    }),
  );
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Until no other worker holds a row of this campaign; claims of local workers that died are taken back at once. */
async function waitForOthers(store: Store, number: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    const holders = await store.leaseHolders(number);
    if (holders.length === 0 || signal.aborted) return;
    await store.expireLeases(number, deadLocalWorkers(holders));
    await sleep(200);
  }
}
