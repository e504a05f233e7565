import { z } from "zod";

// Field schemas shared by the newsletter and issue models. Each one states
// what it expects in words a person reads, because that text ends up in
// `gazette check` output ("expected an absolute http(s) URL").

/** A non-empty string after trimming. */
export const text = z.string({ error: "expected a non-empty string" }).trim().min(1, { error: "expected a non-empty string" });

/** A list of non-empty strings. */
export const textList = z.array(text, { error: "expected a list of strings" });

/** An absolute http(s) URL, as it will appear in feeds and mail. */
export const httpUrl = z.string({ error: "expected an absolute http(s) URL" }).trim().refine(isHttpUrl, {
  error: "expected an absolute http(s) URL",
});

export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const DATE_FORMAT = "expected a date as YYYY-MM-DD (or an RFC 3339 date-time such as 2022-01-17T09:00:00+08:00)";

/** A calendar date (YYYY-MM-DD) or an RFC 3339 date-time with an offset. */
export const dateString = z
  .string({ error: "expected a date as YYYY-MM-DD" })
  .trim()
  .check((ctx) => {
    const problem = dateProblem(ctx.value);
    if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
  });

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export function isValidDate(value: string): boolean {
  return dateProblem(value) === undefined;
}

/**
 * What is wrong with a content date, as "expected …", or undefined when it is
 * right. A date in the right form that does not exist (2022-02-30) is told
 * so, not told to use the form it already has.
 */
export function dateProblem(value: string): string | undefined {
  const m = DATE_RE.exec(value) ?? DATE_TIME_RE.exec(value);
  if (!m) return DATE_FORMAT;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return "expected a month from 01 to 12";
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `expected a day that exists: ${MONTHS[month - 1]} ${year} has ${days} days`;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return "expected a time of day from 00:00 to 23:59:59";
  return undefined;
}

/**
 * The instant a content date stands for. A bare date means midnight at the
 * newsletter's UTC offset, so the same content always gives the same instant.
 */
export function parseContentDate(value: string, utcOffset: string): Date {
  const iso = DATE_RE.test(value) ? `${value}T00:00:00${utcOffset === "+00:00" ? "Z" : utcOffset}` : value;
  return new Date(iso);
}

/** The calendar date (YYYY-MM-DD) an instant falls on at a UTC offset such as "+08:00". */
export function calendarDate(instant: Date, utcOffset: string): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset);
  const minutes = m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return new Date(instant.getTime() + minutes * 60_000).toISOString().slice(0, 10);
}

/** A BCP 47 language tag such as zh-CN or en. */
export const languageTag = z.string({ error: "expected a BCP 47 language tag such as zh-CN or en" }).trim().refine(isLanguageTag, {
  error: "expected a BCP 47 language tag such as zh-CN or en",
});

function isLanguageTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}

/** An email address, plain enough to put in a header: no spaces, no CR/LF. */
export const emailAddress = z
  .string({ error: "expected an email address such as editor@example.org" })
  .trim()
  .regex(/^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/, { error: "expected an email address such as editor@example.org" });

/** A URL-safe path segment. */
export const slug = z
  .string({ error: "expected a slug: lower-case letters, digits and hyphens" })
  .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "expected a slug: lower-case letters, digits and hyphens" });
