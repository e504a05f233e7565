import type { Schedule, ScheduleStore } from "../store/schedules.ts";

// Fires scheduled sends on time, exactly once however many servers and
// workers watch the same store: each due schedule is claimed with one
// UPDATE (scheduled → firing) that only one process can win. A schedule
// found more than `overdueMs` late (the server was down) is not fired: it
// waits, marked overdue, until the editor sends the issue by hand.

export interface SchedulerOptions {
  store: ScheduleStore;
  /** This process, as the schedules record who fired them. */
  worker: string;
  now: () => Date;
  /** How late a schedule may still be fired on its own (an hour). */
  overdueMs: number;
  /** Sends the issue; what it says becomes the schedule's state and detail. */
  fire: (schedule: Schedule) => Promise<{ state: "sent" | "failed"; detail: string }>;
  log: (line: string) => void;
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: SchedulerOptions) {}

  /** Looks once for due schedules and fires what this process wins. Never throws. */
  async tick(): Promise<void> {
    const { store, now } = this.options;
    let due: Schedule[];
    try {
      due = await store.dueSchedules(now());
    } catch (err) {
      this.options.log(`scheduled sends: cannot read the schedules: ${(err as Error).message}`);
      return;
    }
    for (const schedule of due) await this.consider(schedule);
  }

  /** Ticks every `intervalMs` (one tick at a time) until stopped. */
  start(intervalMs: number): void {
    const loop = () => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        if (this.timer) this.timer = setTimeout(loop, intervalMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /** Stops ticking; waits for a send in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async consider(schedule: Schedule): Promise<void> {
    const { store, worker, log } = this.options;
    const now = this.options.now();
    const late = now.getTime() - Date.parse(schedule.dueAt);
    if (late > this.options.overdueMs) {
      const detail = `due ${schedule.dueAt}, found ${formatLate(late)} late (was the server down?): not sent on its own; run gazette send ${schedule.issue} to send it now, or gazette schedule cancel ${schedule.issue}`;
      if (await store.moveSchedule(schedule.issue, ["scheduled"], "overdue", { now, detail })) log(`scheduled send of #${schedule.issue} is overdue: ${detail}`);
      return;
    }
    // Exactly one process wins this; the others see it firing and leave it.
    if (!(await store.moveSchedule(schedule.issue, ["scheduled"], "firing", { now, by: worker, dueBy: now }))) return;
    log(`scheduled send of #${schedule.issue} (due ${schedule.dueAt}): sending now`);
    let result: { state: "sent" | "failed"; detail: string };
    try {
      result = await this.options.fire(schedule);
    } catch (err) {
      result = { state: "failed", detail: (err as Error).message };
    }
    await store.moveSchedule(schedule.issue, ["firing"], result.state, { now: this.options.now(), detail: result.detail });
    log(result.state === "sent" ? `scheduled send of #${schedule.issue}: ${result.detail}` : `SCHEDULED SEND OF #${schedule.issue} FAILED, nothing was sent: ${result.detail}`);
  }
}

function formatLate(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} minutes` : `${(minutes / 60).toFixed(1)} hours`;
}
