import { createHmac, timingSafeEqual } from "node:crypto";

// VERP: with GAZETTE_BOUNCE_ADDRESS set (bounces@news.example.org), each
// message's envelope sender is bounces+<issue>-<subscriber>-<mac>@…, so a
// bounce that quotes nothing of the original still says which delivery it
// is about. The MAC (HMAC-SHA256 under the project's secret, 80 bits, hex
// because some mail systems lower-case local parts) makes the address
// unforgeable: nobody can bounce a subscriber off the list by guessing.

/** The envelope sender for one (issue, subscriber). */
export function verpAddress(secret: Buffer, bounceAddress: string, issue: number, subscriberId: number): string {
  const at = bounceAddress.lastIndexOf("@");
  return `${bounceAddress.slice(0, at)}+${verpToken(secret, issue, subscriberId)}${bounceAddress.slice(at)}`;
}

export function verpToken(secret: Buffer, issue: number, subscriberId: number): string {
  return `${issue}-${subscriberId}-${mac(secret, issue, subscriberId)}`;
}

/** The token part of a VERP address (bounces+TOKEN@…), whatever the local part before the +. */
export function verpTokenOf(address: string): string | undefined {
  return /\+(\d{1,9}-\d{1,15}-[0-9a-f]{20})@/i.exec(address)?.[1]?.toLowerCase();
}

/** The issue and subscriber a token names, when its MAC verifies (compared in constant time). */
export function verifyVerpToken(secret: Buffer, token: string): { issue: number; subscriberId: number } | undefined {
  const match = /^(\d{1,9})-(\d{1,15})-([0-9a-f]{20})$/.exec(token);
  if (!match) return undefined;
  const issue = Number(match[1]);
  const subscriberId = Number(match[2]);
  const expected = Buffer.from(mac(secret, issue, subscriberId));
  const given = Buffer.from(match[3]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { issue, subscriberId } : undefined;
}

function mac(secret: Buffer, issue: number, subscriberId: number): string {
  return createHmac("sha256", secret).update(`verp\0${issue}\0${subscriberId}`).digest("hex").slice(0, 20);
}
