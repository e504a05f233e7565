import type { CampaignProgress } from "../send/campaign.ts";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Progress for gazette send: a bar redrawn in place on a terminal (sent,
 * failed, rate, ETA); a plain line every few seconds otherwise.
 */
export function renderProgress(io: Io, tty = Boolean(process.stderr.isTTY), intervalMs = tty ? 200 : 5000): { update: (p: CampaignProgress) => void; stop: () => void } {
  let last = 0;
  let latest: CampaignProgress | undefined;
  const draw = (p: CampaignProgress) => {
    const done = p.sent + p.failed + p.skipped;
    const seconds = (Date.now() - p.startedAt) / 1000;
    const rate = seconds > 0 ? p.sent / seconds : 0;
    // No ETA before a message has gone (a relay that does not answer is not "0s" from done).
    const eta = rate > 0 ? formatSeconds(Math.max(0, (p.total - done) / rate)) : "unknown";
    const line = `${bar(done, p.total)} ${done}/${p.total}  sent ${p.sent}  failed ${p.failed}  ${rate.toFixed(1)}/s  ETA ${eta}`;
    io.err(tty ? `\r${line}\u001b[K` : `${line}\n`);
  };
  return {
    update(p) {
      latest = p;
      const now = Date.now();
      if (now - last >= intervalMs) {
        last = now;
        draw(p);
      }
    },
    stop() {
      if (latest) draw(latest);
      if (latest && tty) io.err("\n");
    },
  };
}

function bar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, "0")}s` : `${Math.round(s)}s`;
}
