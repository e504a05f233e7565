import type { FeedbackKind } from "../model/feedback.ts";

// How a bounce is counted, from its enhanced status code (RFC 3463) and,
// when a report has none, its SMTP reply code and wording. Pure.
//
//   hard  5.x.x: the address or domain does not exist or will never take
//         mail (5.1.x bad address, 5.4.4 no such domain, 5.2.1 disabled);
//   soft  4.x.x, a full mailbox (5.2.2, 4.2.2), a message too large
//         (5.3.4), and 5.7.x policy refusals (spam filters, which lift).

/** hard_bounce or soft_bounce for a failed delivery; undefined when it says nothing of either. */
export function classifyBounce(status: string | undefined, diagnostic = ""): Extract<FeedbackKind, "hard_bounce" | "soft_bounce"> {
  const enhanced = enhancedCode(status) ?? enhancedCode(diagnostic);
  if (enhanced) {
    if (enhanced.startsWith("4.")) return "soft_bounce";
    if (/^5\.(2\.2|2\.3|3\.4|7\.\d+)$/.test(enhanced)) return "soft_bounce";
    return "hard_bounce";
  }
  const reply = /\b([45])\d\d\b/.exec(`${status ?? ""} ${diagnostic}`)?.[1];
  if (reply === "4") return "soft_bounce";
  if (/mailbox (is )?full|quota|over ?quota|temporar/i.test(diagnostic)) return "soft_bounce";
  if (reply === "5" || /user unknown|no such (user|domain|mailbox)|does not exist|unknown (user|recipient)/i.test(diagnostic)) return "hard_bounce";
  return "soft_bounce";
}

/** The first x.y.z enhanced status code in a text. */
export function enhancedCode(text: string | undefined): string | undefined {
  return text ? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] : undefined;
}
