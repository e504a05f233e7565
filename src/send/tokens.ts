import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

// Unsubscribe tokens: the subscriber's id and an HMAC-SHA256 of the id and
// address under a secret. Unguessable, unforgeable without the secret, and
// invalid once the address changes; never a bare row id.

/** The configured secret, else the one in <data>/secret, created on first use. */
export function readSecret(dataDir: string, configured?: string): Buffer {
  if (configured) return Buffer.from(configured, "utf8");
  const file = path.join(dataDir, "secret");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "base64url");
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32);
    try {
      writeFileSync(file, `${secret.toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      return Buffer.from(readFileSync(file, "utf8").trim(), "base64url"); // another process made it first
    }
  }
}

export function signToken(secret: Buffer, purpose: "unsubscribe" | "confirm", subscriber: { id: number; email: string }): string {
  return `${subscriber.id}.${mac(secret, purpose, subscriber)}`;
}

/** The subscriber id a token names, when its MAC verifies for that subscriber's current address. */
export function verifyToken(secret: Buffer, purpose: "unsubscribe" | "confirm", token: string, emailOf: (id: number) => string | undefined): number | undefined {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return undefined;
  const id = Number(match[1]);
  const email = emailOf(id);
  if (email === undefined) return undefined;
  const expected = Buffer.from(mac(secret, purpose, { id, email }));
  const given = Buffer.from(match[2]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : undefined;
}

function mac(secret: Buffer, purpose: string, subscriber: { id: number; email: string }): string {
  return createHmac("sha256", secret).update(`${purpose}\0${subscriber.id}\0${subscriber.email}`).digest("base64url");
}
