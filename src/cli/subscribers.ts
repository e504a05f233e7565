import { InvalidArgumentError, type Command } from "commander";
import { open, writeFile } from "node:fs/promises";
import path from "node:path";
import { readConfig } from "../config.ts";
import { ContentError } from "../errors.ts";
import { SUBSCRIBER_STATUSES, type SubscriberStatus } from "../model/subscriber.ts";
import { parseAddress, parseName } from "../store/address.ts";
import type { SubscriberStore } from "../store/store.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette subscribers add | remove | list | count | import | export */
export function registerSubscriberCommands(program: Command, io: Io, rootOf: () => string): void {
  const group = program.command("subscribers").description("manage the subscriber list (SQLite in the data folder)");
  const withStore = async <T>(fn: (store: SubscriberStore) => Promise<T> | T): Promise<T> => {
    const { openStore } = await import("../store/open.ts");
    const store = await openStore(rootOf(), readConfig());
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  group
    .command("add")
    .description("add one subscriber (confirmed unless --status says otherwise)")
    .argument("<email>", "address", parseEmailArgument)
    .option("--name <name>", "display name", parseNameArgument)
    .option("--status <status>", `one of ${SUBSCRIBER_STATUSES.join(", ")}`, parseStatus, "confirmed")
    .action((email: string, opts: { name?: string | null; status: SubscriberStatus }) =>
      withStore(async (store) => {
        const s = await store.addSubscriber({ email, name: opts.name, status: opts.status, source: "cli" });
        io.out(`added ${s.email} (${s.status})\n`);
      }),
    );

  group
    .command("remove")
    .description("delete a subscriber and their delivery records")
    .argument("<email>", "address", parseEmailArgument)
    .action((email: string) =>
      withStore(async (store) => {
        if (!(await store.removeSubscriber(email))) throw Object.assign(new Error(`${email} is not a subscriber`), { code: "GAZETTE_NOT_FOUND" });
        io.out(`removed ${email}\n`);
      }),
    );

  group
    .command("list")
    .description("print subscribers, oldest first")
    .option("--status <status>", "only this status", parseStatus)
    .action((opts: { status?: SubscriberStatus }) =>
      withStore(async (store) => {
        for await (const s of pages(store, opts.status)) io.out(`${s.email}\t${s.status}${s.name ? `\t${s.name}` : ""}\n`);
      }),
    );

  group
    .command("count")
    .description("count subscribers by status")
    .action(() =>
      withStore(async (store) => {
        const lines: string[] = [];
        for (const status of SUBSCRIBER_STATUSES) lines.push(`${status.padEnd(13)}${await store.countSubscribers(status)}`);
        io.out(`${lines.join("\n")}\n${"total".padEnd(13)}${await store.countSubscribers()}\n`);
      }),
    );

  group
    .command("import")
    .description("import a CSV with an email column (and name, status); all rows or none")
    .argument("<file>", "CSV file")
    .option("--status <status>", "status for rows without one", parseStatus, "confirmed")
    .action(async (file: string, opts: { status: SubscriberStatus }) => {
      const { checkedSubscriberRows, checkSubscriberCsv } = await import("../store/csv.ts");
      const cannotRead = (err: NodeJS.ErrnoException) =>
        err.code === "GAZETTE_INPUT" ? err : Object.assign(new Error(`cannot read ${file}: ${err.code === "ENOENT" ? "no such file" : err.message}`), { code: "GAZETTE_INPUT" });
      const shown = path.relative(process.cwd(), path.resolve(file)) || file;
      const defaults = { status: opts.status, source: `import:${path.basename(file)}` };
      // Read twice as a stream, so memory stays flat however big the file: once to check every row, then into one transaction.
      const stream = async () => (await open(path.resolve(file), "r").catch((err: NodeJS.ErrnoException) => Promise.reject(cannotRead(err)))).createReadStream();
      const { problems } = await checkSubscriberCsv(await stream(), shown, defaults).catch((err: NodeJS.ErrnoException) => Promise.reject(cannotRead(err)));
      if (problems.length > 0) throw new ContentError(problems, [], "nothing was imported");
      const rows = checkedSubscriberRows(await stream(), shown, defaults);
      await withStore(async (store) => {
        const { added, existing } = await store.importSubscribers(rows);
        io.out(`imported ${added} subscriber${added === 1 ? "" : "s"}; ${existing} already present, left as they were\n`);
      });
    });

  group
    .command("export")
    .description("write every subscriber as CSV (to stdout, or --out FILE)")
    .option("-o, --out <file>", "write here instead of stdout")
    .action((opts: { out?: string }) =>
      withStore(async (store) => {
        const { formatSubscriberCsv } = await import("../store/csv.ts");
        const all = [];
        for await (const s of pages(store)) all.push(s);
        const csv = formatSubscriberCsv(all);
        if (opts.out) await writeFile(path.resolve(opts.out), csv);
        else io.out(csv);
      }),
    );
}

/** Every subscriber, a page at a time: memory stays flat however long the list. */
async function* pages(store: SubscriberStore, status?: SubscriberStatus) {
  let afterId = 0;
  for (;;) {
    const page = await store.listSubscribers({ status, afterId, limit: 500 });
    if (page.length === 0) return;
    yield* page;
    afterId = page[page.length - 1]!.id;
  }
}

function parseEmailArgument(value: string): string {
  const parsed = parseAddress(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.expected);
  return parsed.address;
}

function parseNameArgument(value: string): string | null {
  const parsed = parseName(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.expected);
  return parsed.name;
}

function parseStatus(value: string): SubscriberStatus {
  if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${SUBSCRIBER_STATUSES.join(", ")}`);
  return value as SubscriberStatus;
}
