import { timingSafeEqual } from "node:crypto";
import type { FeedbackReport } from "../../model/feedback.ts";

// What every provider's webhook module offers the server: check what the
// provider signs, then read its payload into reports. Pure except for the
// SNS certificate fetch, which is injected.

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as received: signatures cover these bytes. */
  body: Buffer;
  now: Date;
}

/** A signature that checks out, and the value to remember so a replay is refused; or why the request is refused. */
export type Verdict = { ok: true; replayKey?: string } | { ok: false; status: 401 | 403; reason: string };

/** The reports in a payload, or what is wrong with it (a 400). */
export type Parsed = { ok: true; reports: FeedbackReport[] } | { ok: false; problem: string };

/** A request older than this (by the time it says it was signed) is a replay. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

export function header(req: WebhookRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Refuses a timestamp (seconds since 1970) outside five minutes of now, either way. */
export function checkTimestamp(seconds: string | undefined, now: Date): Verdict {
  if (!seconds || !/^\d{1,12}$/.test(seconds)) return { ok: false, status: 401, reason: "no signing timestamp" };
  if (Math.abs(now.getTime() - Number(seconds) * 1000) > REPLAY_WINDOW_MS) {
    return { ok: false, status: 403, reason: "signed more than 5 minutes ago (or in the future): refused as a replay" };
  }
  return { ok: true };
}

export function equalSecrets(expected: string | Buffer, given: string | Buffer): boolean {
  const a = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
  const b = Buffer.isBuffer(given) ? given : Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** JSON.parse with a message that says what and where. */
export function parseJson(body: Buffer | string): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(typeof body === "string" ? body : body.toString("utf8")) };
  } catch (err) {
    return { ok: false, problem: `the body is not valid JSON: ${(err as Error).message}` };
  }
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function text(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined;
}
