import { type Command, InvalidArgumentError } from "commander";
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
    .argument("<number>", "issue number", (v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected an issue number such as 36");
      return Number(v);
    })
    .option("-y, --yes", "do not ask for confirmation")
    .option("--dry-run", "say what would be sent, send nothing")
    .option("--test <address>", "send one copy to this address and record nothing")
    .option("--force", "send even when the last issue's complaint or hard-bounce rate is past its limit")
    .option("--resend-uncertain", "also resend messages that were in flight when an earlier run died (they may arrive twice)")
    // Imported on use: nodemailer and better-sqlite3 stay out of build and serve.
    .action(async (number: number, opts: SendOptions) => (await import("./send-run.ts")).send(io, rootOf(), number, opts));
}
