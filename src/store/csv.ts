import { parse } from "csv-parse";
import { createHash } from "node:crypto";
import { pipeline, type Readable } from "node:stream";
import { describeValue, type Problem } from "../errors.ts";
import { SUBSCRIBER_STATUSES, type NewSubscriber, type SubscriberStatus } from "../model/subscriber.ts";
import { parseAddress, parseName } from "./address.ts";
import { InvalidUtf8Error, Utf8Lines } from "./utf8-lines.ts";

type CsvDefaults = { status: SubscriberStatus; source: string };
type CsvRow = { subscriber: NewSubscriber } | { problem: Problem };

/**
 * A subscriber CSV (a header row with `email`, optionally `name` and
 * `status`) as a stream of rows and problems: the file is never held
 * whole. Bytes that are not UTF-8 are refused with their line, never
 * turned into U+FFFD. Every bad row is reported with the physical line it
 * starts on (LF or CRLF, quoted fields holding line breaks or not). A
 * problem with the file as a whole (no email column, broken CSV, not
 * UTF-8) ends it.
 */
export async function* subscriberCsvRows(source: Readable, file: string, defaults: CsvDefaults): AsyncGenerator<CsvRow> {
  const lines = new Utf8Lines();
  const parser = parse({ bom: true, skip_empty_lines: true, info: true, relax_column_count: false });
  pipeline(source, lines, parser, () => undefined);
  const seen = new Map<string, number>();
  let columns: string[] | undefined;
  // Where the last record ended: the next one starts at the first line after it that is not empty.
  let end = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { bytes: number } }>) {
      const line = lines.lineAt(end);
      end = info.bytes;
      if (!columns) {
        columns = record.map((c) => c.trim().toLowerCase());
        if (!columns.includes("email")) {
          yield { problem: { file, path: "", line, expected: 'expected a header row with an "email" column (and optionally "name", "status")' } };
          return;
        }
        continue;
      }
      const cell = (name: string) => {
        const i = columns!.indexOf(name);
        return i === -1 ? undefined : restoreCell(record[i]!);
      };
      yield checkRow(cell("email") ?? "", cell("name"), cell("status"), line, file, defaults, seen);
    }
  } catch (cause) {
    if (cause instanceof InvalidUtf8Error) {
      yield { problem: { file, path: "", line: cause.line, expected: cause.message } };
      return;
    }
    // Not the CSV's fault (the file could not be read): the caller says so.
    if (!String((cause as { code?: string }).code ?? "").startsWith("CSV_")) throw cause;
    const message = (cause as Error).message.replace(/^Invalid Record Length: /, "").replace(/ on line \d+$/, "");
    yield { problem: { file, path: "", line: lines.lineAt(end), expected: `expected CSV: ${message}` } };
  } finally {
    source.destroy();
  }
}

/** Every problem of a subscriber CSV, reading it as a stream and keeping no rows. */
export async function checkSubscriberCsv(source: Readable, file: string, defaults: CsvDefaults): Promise<{ problems: Problem[]; rows: number }> {
  const problems: Problem[] = [];
  let rows = 0;
  for await (const row of subscriberCsvRows(source, file, defaults)) {
    if ("problem" in row) problems.push(row.problem);
    else rows++;
  }
  return { problems, rows };
}

/** The rows of a subscriber CSV already checked: a problem now (the file changed since) throws, so the import's transaction rolls back. */
export async function* checkedSubscriberRows(source: Readable, file: string, defaults: CsvDefaults): AsyncGenerator<NewSubscriber> {
  for await (const row of subscriberCsvRows(source, file, defaults)) {
    if ("problem" in row) throw Object.assign(new Error(`${file} changed while it was imported: line ${row.problem.line}: ${row.problem.expected}; nothing was imported`), { code: "GAZETTE_INPUT" });
    yield row.subscriber;
  }
}

/** Rows and problems of a CSV held in memory (small files, tests). */
export async function readSubscriberCsv(source: Readable, file: string, defaults: CsvDefaults): Promise<{ rows: NewSubscriber[]; problems: Problem[] }> {
  const rows: NewSubscriber[] = [];
  const problems: Problem[] = [];
  for await (const row of subscriberCsvRows(source, file, defaults)) {
    if ("problem" in row) problems.push(row.problem);
    else rows.push(row.subscriber);
  }
  return { rows, problems };
}

function checkRow(
  email: string,
  rawName: string | undefined,
  rawStatus: string | undefined,
  line: number,
  file: string,
  defaults: CsvDefaults,
  seen: Map<string, number>,
): { subscriber: NewSubscriber } | { problem: Problem } {
  const address = parseAddress(email);
  if (!address.ok) return { problem: { file, path: "email", line, expected: address.expected, received: describeValue(email) } };
  // Keyed by a short digest: a flat 16-character string, where the address itself would keep its parts and the CSV cell alive.
  const key = createHash("sha256").update(address.address).digest("base64").slice(0, 16);
  const first = seen.get(key);
  if (first !== undefined) return { problem: { file, path: "email", line, expected: `expected each address once; line ${first} has it too`, received: JSON.stringify(address.address) } };
  seen.set(key, line);
  const name = parseName(rawName);
  if (!name.ok) return { problem: { file, path: "name", line, expected: name.expected, received: describeValue(rawName?.trim()) } };
  const status = (rawStatus?.trim() || defaults.status) as SubscriberStatus;
  if (!SUBSCRIBER_STATUSES.includes(status)) return { problem: { file, path: "status", line, expected: `expected one of ${SUBSCRIBER_STATUSES.join(", ")}`, received: describeValue(rawStatus) } };
  return { subscriber: { email: address.address, name: name.name, status, source: defaults.source } };
}

/** Subscribers as CSV, header first; fields quoted only when they need it, formula-like cells neutralised. */
export function formatSubscriberCsv(subscribers: Iterable<{ email: string; name: string | null; status: string; source: string | null; createdAt: string }>): string {
  const lines = ["email,name,status,source,created_at"];
  for (const s of subscribers) lines.push([s.email, s.name ?? "", s.status, s.source ?? "", s.createdAt].map(csvField).join(","));
  return `${lines.join("\n")}\n`;
}

/**
 * A spreadsheet runs a cell that starts with =, +, - or @ (or a tab or CR
 * before one) as a formula: "=HYPERLINK(…)" in a name would run when the
 * export is opened. Such a cell gets a leading apostrophe, which
 * spreadsheets take as "this is text" and do not show; import takes it
 * off again, so an export imports back as it was.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

function csvField(value: string): string {
  const cell = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Undoes csvField's apostrophe. */
function restoreCell(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell;
}
