import type { Config } from "../config.ts";
import { guardRail, withRates } from "../feedback/report.ts";
import type { FeedbackStore } from "../store/feedback.ts";

/**
 * Why the last issue sent (other than this one) should stop this send, if
 * it should: its complaint or hard-bounce rate at or over the configured
 * limit. gazette send refuses unless --force; a scheduled send fails.
 */
export async function guardRailFor(feedback: FeedbackStore, number: number, config: Pick<Config, "GAZETTE_MAX_COMPLAINT_PERCENT" | "GAZETTE_MAX_HARD_BOUNCE_PERCENT">): Promise<string | undefined> {
  const last = await feedback.lastSentIssue(number);
  const report = last === undefined ? undefined : await feedback.issueReport(last);
  return guardRail(report && withRates(report), { maxComplaintPercent: config.GAZETTE_MAX_COMPLAINT_PERCENT, maxHardBouncePercent: config.GAZETTE_MAX_HARD_BOUNCE_PERCENT });
}
