import type { FeedbackSource } from "../model/feedback.ts";
import { recordReports, summariseResults, type FeedbackIntake, type IntakeResult } from "./intake.ts";
import { parseFeedbackMail, type MailEnvelope } from "./mail.ts";

/** What one mail did, in words a person reads. */
export interface MailOutcome {
  type: "dsn" | "arf" | "unsubscribe" | "ignored" | "unusable";
  results: IntakeResult[];
  /** "recorded: 1 bounced", "ignored: an automatic reply (Auto-Submitted: auto-replied)", … */
  summary: string;
}

/** Reads one mail and records what it reports. Mail that cannot be used changes nothing. */
export async function takeFeedbackMail(intake: FeedbackIntake, source: FeedbackSource, raw: Buffer, envelope?: MailEnvelope): Promise<MailOutcome> {
  const mail = await parseFeedbackMail(raw, envelope);
  if (mail.type === "ignored") return { type: "ignored", results: [], summary: `ignored: ${mail.reason}` };
  if (mail.type === "unusable") return { type: "unusable", results: [], summary: `not used: ${mail.problem}` };
  if (mail.reports.length === 0) return { type: mail.type, results: [], summary: `nothing to record: no recipient in it failed or was delivered (only delays)` };
  const results = await recordReports(intake, source, mail.reports);
  const s = summariseResults(results);
  const parts = [];
  if (s.recorded) {
    const effects = Object.entries(s.effects).map(([e, n]) => `${n} ${e}`).join(", ");
    parts.push(`recorded ${s.recorded}${effects ? ` (${effects})` : ""}`);
  }
  if (s.duplicates) parts.push(`${s.duplicates} already recorded`);
  if (s.unmatched) parts.push(`${s.unmatched} not matched: ${[...new Set(s.problems)].join("; ")}`);
  return { type: mail.type, results, summary: `${mail.type === "dsn" ? "delivery status" : mail.type === "arf" ? "abuse report" : "unsubscribe request"}: ${parts.join(", ")}` };
}
