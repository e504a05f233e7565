import type { CampaignReport } from "../send/campaign.ts";
import { describeStoreError } from "../store/problems.ts";

/**
 * gazette send's exit statuses, so cron and CI can tell a finished run from
 * one to run again. Documented in the README ("Exit statuses"); the order
 * below is also their precedence.
 */
export const EXIT = {
  /** Every reader owed the issue has it (or left meanwhile). */
  done: 0,
  /** Gazette stopped on a problem someone must fix: the message says which (config, lock, store, the relay refusing the session). */
  error: 1,
  /** Ctrl-C stopped the run; the report says how to resume. */
  interrupted: 130,
  /** Not finished: readers are still deferred (temporary failures, an unreachable relay) or uncertain. Run again later. (sysexits EX_TEMPFAIL) */
  unfinished: 75,
  /** Finished, but the relay refused some readers for good (5xx) in this run; nothing to retry. (sysexits EX_DATAERR) */
  rejected: 65,
} as const;

/** The exit status a report calls for. */
export function exitStatusOf(report: CampaignReport): number {
  if (report.storeError || report.relayRefused) return EXIT.error;
  if (report.stopped) return EXIT.interrupted;
  if (report.owed > 0 || report.deferred > 0 || report.uncertain > 0) return EXIT.unfinished;
  if (report.rejected > 0) return EXIT.rejected;
  return EXIT.done;
}

/** What a send did and what to do next, for people. `ledger` names the store ("data/gazette.sqlite"). */
export function formatReport(report: CampaignReport, number: number, ledger: string): string {
  const seconds = report.durationMs / 1000;
  const lines = [
    `sent ${report.sent}, failed ${report.failed}, skipped ${report.skipped} (no longer confirmed) in ${seconds.toFixed(1)} s (${seconds > 0 ? (report.sent / seconds).toFixed(1) : report.sent} messages/s)`,
  ];
  for (const [reason, n] of Object.entries(report.failures).sort((a, b) => b[1] - a[1])) lines.push(`  failed ${reason}: ${n}`);
  if (report.bounced) lines.push(`  ${report.bounced} marked bounced (unknown user)`);
  if (report.storeError) {
    lines.push(`stopped: ${describeStoreError(report.storeError, ledger)}; nothing more was started and the messages in flight were finished`);
    if (report.unrecorded.length > 0) {
      const accepted = report.unrecorded.filter((u) => u.state === "accepted").map((u) => u.email);
      lines.push(`  ${report.unrecorded.length} outcome${report.unrecorded.length === 1 ? "" : "s"} could not be recorded; their rows still say 'sending', so the next run reports them uncertain`);
      if (accepted.length > 0) lines.push(`  accepted by the relay (they have it: do not --resend-uncertain them): ${accepted.join(", ")}`);
    }
    lines.push(`fix ${ledger} (see above), then run gazette send ${number} to continue where it left off`);
    return `${lines.join("\n")}\n`;
  }
  if (report.deferred && !report.relayUnreachable) lines.push(`${report.deferred} deferred by temporary failures: run gazette send ${number} again later to retry them`);
  if (report.uncertain) {
    lines.push(
      `${report.uncertain} uncertain: in flight when an earlier run stopped (crash, kill), so the relay may or may not have them; ` +
        `gazette send ${number} --resend-uncertain resends them (some may then arrive twice)`,
    );
  }
  if (report.stopped) lines.push(`stopped before the end: run gazette send ${number} to continue where it left off`);
  if (report.relayRefused) {
    lines.push(`stopped: the relay refused to send at all (${report.relayRefused}); no reader was marked failed or bounced for it. Check SMTP_URL and the sender address, then run gazette send ${number} again`);
  }
  if (report.relayUnreachable) {
    lines.push(
      `stopped: the relay is unreachable (${report.relayUnreachable}); ${report.owed} reader${report.owed === 1 ? " stays" : "s stay"} owed the issue, ` +
        `none marked failed. Check SMTP_URL and the relay, then run gazette send ${number} again`,
    );
  } else if (!report.stopped && !report.relayRefused && report.owed > report.deferred) {
    lines.push(`${report.owed - report.deferred} still owed the issue: run gazette send ${number} again`);
  }
  return `${lines.join("\n")}\n`;
}
