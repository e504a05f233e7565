// Scheduled sends and click counts: what the editor's week needs of the
// store. Interfaces only; each backend's SQL is in its own folder.

export type ScheduleState = "scheduled" | "firing" | "sent" | "failed" | "overdue" | "cancelled";

export interface Schedule {
  issue: number;
  /** RFC 3339, UTC. */
  dueAt: string;
  state: ScheduleState;
  /** A hash of the built email when it was scheduled. */
  emailHash: string;
  /** The process that fired it. */
  claimedBy: string | null;
  /** What happened: the send's report, why it failed, why it waits. */
  detail: string | null;
  updatedAt: string;
}

export interface ScheduleStore {
  /** Schedules the issue (replacing a schedule that has not fired); false while one is firing. */
  scheduleSend(issue: number, dueAt: Date, emailHash: string, now: Date): Promise<boolean>;
  /** Every schedule, soonest first. */
  listSchedules(): Promise<Schedule[]>;
  getSchedule(issue: number): Promise<Schedule | undefined>;
  /** Schedules due by `now` that nobody has fired. */
  dueSchedules(now: Date): Promise<Schedule[]>;
  /**
   * Moves a schedule from one state to another, only if it is in `from`
   * (and, for firing, due): one UPDATE, so of several processes exactly one
   * wins. True when this call made the change.
   */
  moveSchedule(issue: number, from: ScheduleState[], to: ScheduleState, options: { now: Date; by?: string; detail?: string; dueBy?: Date }): Promise<boolean>;
}

export interface ClickStore {
  /** Counts one click on link `link` of issue `issue` on the day `now` falls on (UTC). */
  countClick(issue: number, link: number, now: Date): Promise<void>;
  /** Clicks per link of an issue, all days together. */
  clicksByLink(issue: number): Promise<Map<number, number>>;
}

/** One subscriber's dates, for the report's weeks: nothing else about them. */
export interface SubscriberEvent {
  createdAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  status: string;
  updatedAt: string;
}

export interface ReportStore {
  /** Every subscriber's dates and status, oldest first. */
  subscriberEvents(): Promise<SubscriberEvent[]>;
}
