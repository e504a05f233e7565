import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ConfirmTarget } from "../store/store.ts";

export type { ConfirmTarget };

// Signed links. Every token is an HMAC-SHA256 under the project's secret of
// what it stands for, so it is unguessable, cannot be forged without the
// secret, and stops working once what it names changes; never a bare row id.
//
//   unsubscribe  <id>.<mac(id, address)>: valid as long as the address is.
//   confirm      <id>.<expiry>.<mac(id, address, nonce, expiry)>: valid until
//                its expiry (seconds since 1970, base 36), and only while the
//                subscriber holds that nonce; the store drops the nonce when
//                the subscriber unsubscribes, so an old confirmation link can
//                never sign anyone up again.

/** A subscriber id as signTokens write it, and only so: "001" or "+1" are not "1" (one canonical form per token). */
const ID = "(0|[1-9]\\d{0,14})";
const UNSUBSCRIBE_TOKEN = new RegExp(`^${ID}\\.([A-Za-z0-9_-]{43})$`);
const CONFIRM_TOKEN = new RegExp(`^${ID}\\.([1-9a-z][0-9a-z]{0,9})\\.([A-Za-z0-9_-]{43})$`);

/** The configured secret, else the one in <data>/secret, created on first use. */
export function readSecret(dataDir: string, configured?: string): Buffer {
  if (configured) return Buffer.from(configured, "utf8");
  const file = path.join(dataDir, "secret");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw secretError(err, file);
  }
  const secret = randomBytes(32);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${secret.toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (err) {
    // Another process made it first; anything else (a read-only folder) is said as it is.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw secretError(err, file);
    return Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
  }
}

function secretError(err: unknown, file: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const shown = path.relative(process.cwd(), file) || file;
  const why = code === "EROFS" || code === "EACCES" || code === "EPERM" ? `its folder is read-only to this process (${code})` : `${code}: ${(err as Error).message}`;
  return Object.assign(new Error(`cannot create the token secret ${shown}: ${why}; give the folder write access, or set GAZETTE_SECRET`, { cause: err }), { code: "GAZETTE_SECRET" });
}

export function signToken(secret: Buffer, purpose: "unsubscribe", subscriber: { id: number; email: string }): string {
  return `${subscriber.id}.${mac(secret, purpose, subscriber.id, subscriber.email)}`;
}

/** The subscriber id a token names, when its MAC verifies for that subscriber's current address. */
export async function verifyToken(
  secret: Buffer,
  purpose: "unsubscribe",
  token: string,
  emailOf: (id: number) => Promise<string | undefined> | string | undefined,
): Promise<number | undefined> {
  const match = UNSUBSCRIBE_TOKEN.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  const email = await emailOf(id);
  // An unknown id costs the same MAC and comparison as a known one: the time tells nobody which ids exist.
  const equal = macEquals(mac(secret, purpose, id, email ?? ""), match[2]!);
  return equal && email !== undefined ? id : undefined;
}

export function signConfirmToken(secret: Buffer, target: ConfirmTarget & { nonce: string }, expiresAt: Date): string {
  const expiry = Math.floor(expiresAt.getTime() / 1000).toString(36);
  return `${target.id}.${expiry}.${mac(secret, "confirm", target.id, target.email, target.nonce, expiry)}`;
}

export type ConfirmCheck = { ok: true; id: number; nonce: string } | { ok: false; reason: "malformed" | "forged" | "expired" };

/**
 * Checks a confirmation token: well-formed, MAC right for the subscriber's
 * current address and nonce (compared in constant time), and not past its
 * expiry. The expiry is read only after the MAC verifies.
 */
export async function verifyConfirmToken(
  secret: Buffer,
  token: string,
  targetOf: (id: number) => Promise<ConfirmTarget | undefined> | ConfirmTarget | undefined,
  now: Date,
): Promise<ConfirmCheck> {
  const match = CONFIRM_TOKEN.exec(token);
  if (!match) return { ok: false, reason: "malformed" };
  const id = Number(match[1]);
  const target = await targetOf(id);
  // A missing subscriber or used-up nonce still costs one MAC, as a valid token does.
  const expected = mac(secret, "confirm", id, target?.email ?? "", target?.nonce ?? "\0none", match[2]!);
  if (!macEquals(expected, match[3]!) || !target?.nonce) return { ok: false, reason: "forged" };
  if (parseInt(match[2]!, 36) * 1000 <= now.getTime()) return { ok: false, reason: "expired" };
  return { ok: true, id, nonce: target.nonce };
}

function mac(secret: Buffer, purpose: string, ...parts: (string | number)[]): string {
  return createHmac("sha256", secret).update([purpose, ...parts].join("\0")).digest("base64url");
}

function macEquals(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
