import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { loadContent } from "../content/load.ts";
import type { Newsletter } from "../model/newsletter.ts";
import { sendPendingPings } from "../websub/ping.ts";

// gazette ping, and the --ping of gazette build: tell the WebSub hubs of
// every feed changed since they last heard. A hub that fails is reported
// and asked again next time; it never fails a build.

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const DEFAULT_PING_TIMEOUT_S = 10;

export function registerPingCommand(program: Command, io: Io, rootOf: () => string): void {
  program
    .command("ping")
    .description("tell the WebSub hubs (websub.hubs in newsletter.yaml) of every feed changed since they last heard; failures are retried next time")
    .option("--timeout <seconds>", `per request (default ${DEFAULT_PING_TIMEOUT_S})`, parseSeconds)
    .action(async (opts: { timeout?: number }) => {
      const root = rootOf();
      const { newsletter } = await loadContent(root);
      if (!newsletter.websub) {
        throw Object.assign(new Error("content/newsletter.yaml names no hubs; add websub: { hubs: [https://…] } to announce changed feeds"), { exitCode: 1 });
      }
      const failed = await pingAndReport(io, root, newsletter, opts.timeout ?? DEFAULT_PING_TIMEOUT_S);
      // Reported above; the status tells a scheduler to try again.
      if (failed > 0) throw Object.assign(new Error(""), { exitCode: 1 });
    });
}

/** Sends the pending pings and prints what became of each; returns how many failed. */
export async function pingAndReport(io: Io, root: string, newsletter: Newsletter, timeoutSeconds: number): Promise<number> {
  const hubs = newsletter.websub?.hubs ?? [];
  const { outcomes, dropped } = await sendPendingPings(root, hubs, { timeoutMs: timeoutSeconds * 1000 });
  if (dropped > 0) io.err(`websub: ${dropped} pending ping${dropped === 1 ? "" : "s"} dropped: the hub is no longer in websub.hubs\n`);
  if (outcomes.length === 0) {
    io.out("websub: no changed feeds to announce\n");
    return 0;
  }
  const ok = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o) => !o.ok);
  io.out(`websub: ${ok.length} of ${outcomes.length} publish notification${outcomes.length === 1 ? "" : "s"} accepted\n`);
  for (const o of ok) io.out(`  ${o.hub}  ${o.feed}  ${o.detail}\n`);
  for (const o of failed) io.err(`websub: ${o.hub} did not take ${o.feed}: ${o.detail}; it stays pending for the next gazette ping\n`);
  return failed.length;
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 300) throw new InvalidArgumentError(`expected a number of seconds from 0.1 to 300, received "${value}"`);
  return n;
}
