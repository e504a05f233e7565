import { type Command, InvalidArgumentError } from "commander";
import { parseIssueArg } from "./args.ts";
import type { SendOptions } from "./send-run.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** gazette send <number> */
export function registerSendCommand(program: Command, io: Io, rootOf: () => string): void {
  program
    .command("send")
    .description("mail a built issue to every confirmed subscriber, once each; safe to stop and rerun")
    .argument("<number>", "issue number", parseIssueArg)
    .option("-y, --yes", "do not ask for confirmation")
    .option("--dry-run", "say what would be sent, send nothing")
    .option("--test <address>", "send one copy to this address and record nothing")
    .option("--force", "send even when the last issue's complaint or hard-bounce rate is past its limit")
    .option("--resend-uncertain", "also resend messages that were in flight when an earlier run died (they may arrive twice)")
    .option("--workers <k>", "send with K worker processes on this machine (WAL on SQLite; any number of machines share a PostgreSQL campaign through gazette worker)", parseWorkers)
    .option("--at <time>", "schedule the send instead (2022-01-24T09:00+08:00, or a local time at utc_offset); gazette serve sends it then")
    // Imported on use: nodemailer and better-sqlite3 stay out of build and serve.
    .action(async (number: number, opts: SendOptions & { at?: string }) =>
      opts.at !== undefined ? (await import("./schedule.ts")).scheduleSend(io, rootOf(), number, opts.at) : (await import("./send-run.ts")).send(io, rootOf(), number, opts),
    );

  const schedule = program
    .command("schedule")
    .description("list scheduled sends (gazette send N --at …) and what became of them")
    .action(async () => (await import("./schedule.ts")).listSchedules(io, rootOf()));
  schedule
    .command("cancel")
    .description("cancel an issue's scheduled send")
    .argument("<number>", "issue number", parseIssueArg)
    .action(async (number: number) => (await import("./schedule.ts")).cancelSchedule(io, rootOf(), number));
}

/** gazette worker: joins running campaigns, from this machine or (with PostgreSQL) any other. */
export function registerWorkerCommand(program: Command, io: Io, rootOf: () => string): void {
  program
    .command("worker")
    .description("join every running campaign (gazette send started it) and send until none has a recipient left; with DATABASE_URL from any machine")
    .option("--issue <number>", "only this issue's campaign", parseIssueArg)
    .option("--quiet", "print nothing but errors")
    .option("--watch", "keep running: fire due scheduled sends (gazette send N --at) and join campaigns as they start")
    .action(async (opts: { issue?: number; quiet?: boolean; watch?: boolean }) => (await import("./worker.ts")).work(io, rootOf(), opts));
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError("expected a number of workers from 1 to 64");
  return n;
}
