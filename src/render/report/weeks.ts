import type { SubscriberEvent } from "../../store/schedules.ts";
import type { WeekRow } from "./report-html.ts";

// The list week by week (weeks from Monday, UTC), from each subscriber's
// dates: when they joined, confirmed, left, and (for a bounced or
// complained subscriber) when they were marked so. Pure.

const DAY = 86_400_000;

export function weekOf(iso: string): string {
  const d = new Date(iso);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY;
  return new Date(monday).toISOString().slice(0, 10);
}

/** Every week from the first subscriber's to `now`'s, with what happened in it and the confirmed total at its end. */
export function weeksFrom(events: SubscriberEvent[], now: Date): WeekRow[] {
  if (events.length === 0) return [];
  const rows = new Map<string, WeekRow>();
  const row = (week: string) => {
    let r = rows.get(week);
    if (!r) rows.set(week, (r = { week, joined: 0, confirmed: 0, left: 0, bounced: 0, complained: 0, total: 0 }));
    return r;
  };
  const first = weekOf(events.reduce((min, e) => (e.createdAt < min ? e.createdAt : min), events[0]!.createdAt));
  for (let t = Date.parse(first); t <= now.getTime(); t += 7 * DAY) row(new Date(t).toISOString().slice(0, 10));
  // Confirmed in all: +1 the week one confirmed, -1 the week a confirmed one went.
  const change = new Map<string, number>();
  const add = (week: string, n: number) => change.set(week, (change.get(week) ?? 0) + n);
  for (const e of events) {
    row(weekOf(e.createdAt)).joined++;
    if (e.confirmedAt) {
      row(weekOf(e.confirmedAt)).confirmed++;
      add(weekOf(e.confirmedAt), 1);
    }
    const gone = e.status === "unsubscribed" ? e.unsubscribedAt ?? e.updatedAt : e.status === "bounced" || e.status === "complained" ? e.updatedAt : undefined;
    if (gone) {
      const r = row(weekOf(gone));
      if (e.status === "unsubscribed") r.left++;
      else if (e.status === "bounced") r.bounced++;
      else r.complained++;
      if (e.confirmedAt) add(weekOf(gone), -1);
    }
  }
  let total = 0;
  return [...rows.values()]
    .sort((a, b) => a.week.localeCompare(b.week))
    .map((r) => {
      total += change.get(r.week) ?? 0;
      return { ...r, total };
    });
}
