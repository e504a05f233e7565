import { randomBytes } from "node:crypto";

// Neutral ground: the stores make nonces and the token code signs them, and
// neither should import the other for it.

/** A fresh nonce for a confirmation: 128 random bits, base64url. */
export function newNonce(): string {
  return randomBytes(16).toString("base64url");
}
