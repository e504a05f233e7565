import { createHash } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { build } from "../build/build.ts";
import type { Config } from "../config.ts";
import { formatSendTime, parseSendTime } from "../send/send-time.ts";
import type { Schedule } from "../store/schedules.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import { readConfig } from "../config.ts";
import { readBuiltEmail, readNewsletter } from "./send-run.ts";
import { guardRailFor } from "./guard-rail.ts";
import { sendCampaign } from "./send-campaign.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette send N --at WHEN: records the schedule and returns; serve or a worker sends it then. */
export async function scheduleSend(io: Io, root: string, number: number, when: string, now = new Date()): Promise<void> {
  const config = readConfig();
  const newsletter = await readNewsletter(root);
  const time = parseSendTime(when, newsletter.utc_offset, now);
  if (!time.ok) throw Object.assign(new Error(`--at: ${time.expected}`), { code: "GAZETTE_USAGE" });
  const built = await readBuiltEmail(root, number);
  if (built.meta.draft) throw Object.assign(new Error(`issue ${number} is a draft: set draft: false and build before scheduling it`), { code: "GAZETTE_DRAFT" });
  const store = await openStore(root, config);
  try {
    if (!(await store.schedules.scheduleSend(number, time.at, emailHash(built), now))) {
      throw Object.assign(new Error(`issue ${number}'s scheduled send is going out now; wait for it (gazette schedule shows it)`), { code: "GAZETTE_USAGE" });
    }
  } finally {
    await store.close();
  }
  io.out(
    `scheduled #${number} (${built.meta.subject}) for ${formatSendTime(time.at, newsletter.utc_offset)} (${time.at.toISOString()})\n` +
      `gazette serve (or gazette worker --watch) on this store sends it then, if one is running. gazette schedule lists schedules; gazette schedule cancel ${number} cancels.\n`,
  );
}

/** gazette schedule: every schedule, what became of it, and what waits. */
export async function listSchedules(io: Io, root: string): Promise<void> {
  const config = readConfig();
  const newsletter = await readNewsletter(root);
  const store = await openStore(root, config);
  try {
    const schedules = await store.schedules.listSchedules();
    if (schedules.length === 0) {
      io.out("nothing is scheduled: gazette send NUMBER --at 2022-01-24T09:00 schedules an issue\n");
      return;
    }
    for (const s of schedules) io.out(`#${s.issue}  ${formatSendTime(new Date(s.dueAt), newsletter.utc_offset)}  ${s.state}${s.detail ? `: ${s.detail}` : ""}\n`);
  } finally {
    await store.close();
  }
}

/** gazette schedule cancel N. */
export async function cancelSchedule(io: Io, root: string, number: number): Promise<void> {
  const store = await openStore(root, readConfig());
  try {
    if (!(await store.schedules.moveSchedule(number, ["scheduled", "overdue"], "cancelled", { now: new Date(), detail: "cancelled with gazette schedule cancel" }))) {
      const s = await store.schedules.getSchedule(number);
      throw Object.assign(new Error(s ? `#${number}'s schedule is ${s.state}: there is nothing to cancel` : `#${number} is not scheduled`), { code: "GAZETTE_USAGE" });
    }
    io.out(`cancelled the scheduled send of #${number}\n`);
  } finally {
    await store.close();
  }
}

/** A built email's identity: its meta, HTML and text parts. */
export function emailHash(built: { meta: object; html: string; text: string }): string {
  return createHash("sha256").update(JSON.stringify(built.meta)).update("\0").update(built.html).update("\0").update(built.text).digest("hex");
}

/** This process, as a schedule records who fired it. */
export function schedulerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * What serve and worker --watch do when a schedule is due: build the
 * project again (an issue that no longer builds fails the schedule and
 * sends nothing), say so if the email changed since it was scheduled, then
 * send the campaign as gazette send does: same ledger, retries and report.
 */
export function createScheduledSend(options: { root: string; config: Config; store: Store; log: (line: string) => void; signal?: AbortSignal }) {
  return async (schedule: Schedule): Promise<{ state: "sent" | "failed"; detail: string }> => {
    const { root, store, log } = options;
    try {
      await build({ root, outDir: path.join(root, "dist") });
    } catch (err) {
      return { state: "failed", detail: `the project no longer builds, so nothing was sent: ${(err as Error).message.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 6).join("; ")}` };
    }
    const built = await readBuiltEmail(root, schedule.issue);
    if (built.meta.draft) return { state: "failed", detail: `issue ${schedule.issue} is a draft now, so nothing was sent` };
    if (emailHash(built) !== schedule.emailHash) log(`scheduled send of #${schedule.issue}: its email changed since it was scheduled; sending the new build (${built.meta.subject})`);
    const stop = await guardRailFor(store.feedback, schedule.issue, options.config);
    if (stop) return { state: "failed", detail: `not sent: ${stop}; see gazette report, then send it with gazette send ${schedule.issue} --force if you mean to` };
    const report = await sendCampaign({
      root,
      config: options.config,
      store,
      number: schedule.issue,
      workers: 1,
      resendUncertain: false,
      signal: options.signal ?? new AbortController().signal,
      onProgress: () => {},
    });
    const summary = `sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped}, deferred ${report.deferred}, uncertain ${report.uncertain}`;
    if (report.relayRefused) return { state: "failed", detail: `the relay refused to send (${report.relayRefused}); ${summary}; run gazette send ${schedule.issue} once it is fixed` };
    return { state: "sent", detail: summary };
  };
}
