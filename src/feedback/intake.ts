import type { FeedbackEffect, FeedbackReport, FeedbackSource } from "../model/feedback.ts";
import { deliveryOfMessageId } from "../send/campaign.ts";
import { verifyToken } from "../send/tokens.ts";
import { verifyVerpToken } from "../send/verp.ts";
import { parseAddress } from "../store/address.ts";
import type { FeedbackPolicy, FeedbackStore } from "../store/feedback.ts";

// Where every report ends, whichever way it came in: matched to a
// subscriber (and issue) by the VERP token, else the original Message-ID,
// else the recipient's address, then recorded and applied by the store.
// A mailed unsubscribe counts only with a valid token: an address alone
// could be anybody's.

export interface FeedbackIntake {
  store: FeedbackStore;
  secret: Buffer;
  policy: FeedbackPolicy;
  now: () => Date;
}

export type IntakeResult =
  | { status: "recorded"; subscriberId: number; issue: number | null; effect: FeedbackEffect }
  | { status: "duplicate"; subscriberId: number }
  | { status: "unmatched"; why: string };

export async function recordReports(intake: FeedbackIntake, source: FeedbackSource, reports: FeedbackReport[]): Promise<IntakeResult[]> {
  const results: IntakeResult[] = [];
  for (const report of reports) results.push(await recordReport(intake, source, report));
  return results;
}

async function recordReport(intake: FeedbackIntake, source: FeedbackSource, report: FeedbackReport): Promise<IntakeResult> {
  const match = await matchReport(intake, report);
  if ("why" in match) return { status: "unmatched", why: match.why };
  const result = await intake.store.recordFeedback(
    {
      key: report.key,
      source,
      kind: report.kind,
      subscriberId: match.subscriberId,
      issue: match.issue,
      providerId: report.providerId ?? null,
      statusCode: report.statusCode ?? null,
      diagnostic: report.diagnostic ?? null,
      receivedAt: intake.now(),
    },
    intake.policy,
  );
  if (!result.recorded) return { status: "duplicate", subscriberId: match.subscriberId };
  return { status: "recorded", subscriberId: match.subscriberId, issue: result.event.issue, effect: result.effect };
}

type Match = { subscriberId: number; issue: number | null } | { why: string };

async function matchReport(intake: FeedbackIntake, report: FeedbackReport): Promise<Match> {
  const { store, secret } = intake;
  const known = async (m: { subscriberId: number; issue: number | null }): Promise<Match> =>
    (await store.emailOfSubscriber(m.subscriberId)) === undefined ? { why: "it names a subscriber who is no longer on the list" } : m;
  const verp = report.verpToken ? verifyVerpToken(secret, report.verpToken) : undefined;
  if (report.kind === "unsubscribe") {
    if (report.unsubscribeToken) {
      const id = /^(\d{1,15})\./.exec(report.unsubscribeToken)?.[1];
      const email = id === undefined ? undefined : await store.emailOfSubscriber(Number(id));
      const verified = await verifyToken(secret, "unsubscribe", report.unsubscribeToken, (n) => (n === Number(id) ? email : undefined));
      if (verified !== undefined) return { subscriberId: verified, issue: verp?.issue ?? null };
    }
    if (verp) return known(verp);
    return { why: "an unsubscribe request without a valid token" };
  }
  if (verp) return known(verp);
  const byId = report.messageId ? deliveryOfMessageId(secret, report.messageId) : undefined;
  if (byId) return known(byId);
  const address = report.recipient ? parseAddress(report.recipient) : undefined;
  if (address?.ok) {
    const id = await store.subscriberIdByEmail(address.address);
    if (id !== undefined) return { subscriberId: id, issue: null };
  }
  const named = [report.messageId && `Message-ID ${report.messageId}`, report.recipient && `recipient ${report.recipient}`].filter(Boolean).join(" or ");
  return { why: named ? `no subscriber or delivery matches its ${named}` : "it names no recipient, original Message-ID or VERP address" };
}

/** "2 recorded (1 bounced), 1 duplicate, 1 unmatched: …", for a person or a webhook response. */
export function summariseResults(results: IntakeResult[]): { recorded: number; duplicates: number; unmatched: number; effects: Partial<Record<FeedbackEffect, number>>; problems: string[] } {
  const effects: Partial<Record<FeedbackEffect, number>> = {};
  const problems: string[] = [];
  let recorded = 0;
  let duplicates = 0;
  for (const r of results) {
    if (r.status === "recorded") {
      recorded++;
      if (r.effect !== "none") effects[r.effect] = (effects[r.effect] ?? 0) + 1;
    } else if (r.status === "duplicate") duplicates++;
    else problems.push(r.why);
  }
  return { recorded, duplicates, unmatched: problems.length, effects, problems };
}
