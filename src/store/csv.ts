import { parse } from "csv-parse/sync";
import { describeValue, type Problem } from "../errors.ts";
import { SUBSCRIBER_STATUSES, type NewSubscriber, type SubscriberStatus } from "../model/subscriber.ts";
import { parseAddress, parseName } from "./address.ts";

/**
 * Reads a subscriber CSV (a header row with `email`, optionally `name` and
 * `status`). Pure: every bad row is reported with its line; the caller
 * imports nothing unless there are none.
 */
export function parseSubscriberCsv(text: string, file: string, defaults: { status: SubscriberStatus; source: string }): { rows: NewSubscriber[]; problems: Problem[] } {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ""), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, info: true, relax_column_count: false });
  } catch (cause) {
    const line = (cause as { lines?: number }).lines;
    return { rows: [], problems: [{ file, path: "", line, expected: `expected CSV: ${(cause as Error).message.replace(/^Invalid Record Length: /, "")}` }] };
  }
  const problems: Problem[] = [];
  if (records.length > 0 && !("email" in records[0]!.record)) {
    return { rows: [], problems: [{ file, path: "", line: 1, expected: 'expected a header row with an "email" column (and optionally "name", "status")' }] };
  }
  const rows: NewSubscriber[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    // info.lines is where the record ends; a quoted field may span lines.
    const line = info.lines - Object.values(record).reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0);
    const address = parseAddress(record.email ?? "");
    if (!address.ok) {
      problems.push({ file, path: "email", line, expected: address.expected, received: describeValue(record.email ?? "") });
      continue;
    }
    const first = seen.get(address.address);
    if (first !== undefined) {
      problems.push({ file, path: "email", line, expected: `expected each address once; line ${first} has it too`, received: JSON.stringify(address.address) });
      continue;
    }
    seen.set(address.address, line);
    const name = parseName(record.name);
    if (!name.ok) {
      problems.push({ file, path: "name", line, expected: name.expected, received: describeValue(record.name?.trim()) });
      continue;
    }
    const status = (record.status?.trim() || defaults.status) as SubscriberStatus;
    if (!SUBSCRIBER_STATUSES.includes(status)) {
      problems.push({ file, path: "status", line, expected: `expected one of ${SUBSCRIBER_STATUSES.join(", ")}`, received: describeValue(record.status) });
      continue;
    }
    rows.push({ email: address.address, name: name.name, status, source: defaults.source });
  }
  return { rows, problems };
}

/** Subscribers as CSV, header first; fields quoted only when they need it. */
export function formatSubscriberCsv(subscribers: Iterable<{ email: string; name: string | null; status: string; source: string | null; createdAt: string }>): string {
  const lines = ["email,name,status,source,created_at"];
  for (const s of subscribers) lines.push([s.email, s.name ?? "", s.status, s.source ?? "", s.createdAt].map(csvField).join(","));
  return `${lines.join("\n")}\n`;
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
