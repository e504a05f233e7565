import { calendarDate } from "../model/fields.ts";

// When `gazette send N --at` should send: an RFC 3339 time with its offset
// (2022-01-24T09:00+08:00, …Z), or a bare local time (2022-01-24T09:00 or
// "2022-01-24 09:00"), read at the newsletter's utc_offset. Pure.

const TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/;

export type SendTime = { ok: true; at: Date } | { ok: false; expected: string };

export function parseSendTime(text: string, utcOffset: string, now: Date): SendTime {
  const m = TIME.exec(text.trim());
  const expected = `expected a time such as 2022-01-24T09:00+08:00, or 2022-01-24T09:00 at the newsletter's utc_offset (${utcOffset}); received "${text}"`;
  if (!m) return { ok: false, expected };
  const [, y, mo, d, h, mi, s, zone] = m;
  const offset = zone ?? (utcOffset === "+00:00" ? "Z" : utcOffset);
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s ?? "00"}${offset}`);
  if (Number.isNaN(at.getTime()) || Number(h) > 23 || Number(mi) > 59 || calendarDate(new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))), "+00:00") !== `${y}-${mo}-${d}`) {
    return { ok: false, expected: `expected a time that exists; received "${text}"` };
  }
  if (at.getTime() <= now.getTime()) return { ok: false, expected: `expected a time in the future; ${formatSendTime(at, utcOffset)} has passed (now ${formatSendTime(now, utcOffset)})` };
  return { ok: true, at };
}

/** 2022-01-24 09:00 +08:00: the time as the editor reads it, at the newsletter's offset. */
export function formatSendTime(at: Date, utcOffset: string): string {
  const sign = utcOffset.startsWith("-") ? -1 : 1;
  const [hh, mm] = utcOffset.slice(1).split(":").map(Number);
  const local = new Date(at.getTime() + sign * (hh! * 60 + mm!) * 60_000);
  return `${local.toISOString().slice(0, 16).replace("T", " ")} ${utcOffset}`;
}
