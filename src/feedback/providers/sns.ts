import { createPublicKey, createVerify, X509Certificate, type KeyObject } from "node:crypto";
import { checkTimestamp, isObject, text, type Json, type Verdict } from "./webhook.ts";

// Amazon SNS message signatures (SignatureVersion 1: SHA1withRSA, 2:
// SHA256withRSA) over a canonical string of the message's fields, checked
// with the certificate at SigningCertURL. Only an https URL on an
// sns.<region>.amazonaws.com host is ever fetched, for certificates and
// for confirming a subscription, and certificates are cached by URL.

/** Fetches a URL's body as text; injected so tests never reach the network. */
export type FetchText = (url: URL) => Promise<string>;

const FIELDS: Record<string, string[]> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/** An https URL on sns.<region>.amazonaws.com, nothing else: no port, no credentials. */
export function snsUrl(value: unknown): URL | undefined {
  if (typeof value !== "string") return undefined;
  try {
    const url = new URL(value);
    const ok = url.protocol === "https:" && /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com$/.test(url.hostname) && url.port === "" && !url.username && !url.password;
    return ok ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The text SNS signs: each present field's name and value, one per line, in a fixed order. */
export function snsStringToSign(message: Json): string | undefined {
  const fields = FIELDS[String(message.Type)];
  if (!fields) return undefined;
  let out = "";
  for (const name of fields) {
    const value = message[name];
    if (value === undefined) {
      if (name === "Subject") continue;
      return undefined;
    }
    out += `${name}\n${String(value)}\n`;
  }
  return out;
}

export interface SnsVerifier {
  verify(message: unknown, now: Date): Promise<Verdict & { message?: Json }>;
}

/** A verifier with its own certificate cache (at most 32 URLs; a fetch that fails is not cached). */
export function createSnsVerifier(options: { topicArns: string[]; fetchText: FetchText }): SnsVerifier {
  const cache = new Map<string, Promise<KeyObject>>();
  const keyFor = (url: URL): Promise<KeyObject> => {
    let key = cache.get(url.href);
    if (!key) {
      key = options.fetchText(url).then((pem) => {
        const cert = new X509Certificate(pem);
        return createPublicKey(cert.publicKey.export({ type: "spki", format: "pem" }));
      });
      key.catch(() => cache.delete(url.href));
      if (cache.size >= 32) cache.delete(cache.keys().next().value!);
      cache.set(url.href, key);
    }
    return key;
  };
  return {
    async verify(message, now) {
      if (!isObject(message) || !text(message.Signature) || !text(message.Type)) return { ok: false, status: 401, reason: "not a signed SNS message (no Type or Signature)" };
      const version = text(message.SignatureVersion);
      if (version !== "1" && version !== "2") return { ok: false, status: 403, reason: `SignatureVersion ${JSON.stringify(message.SignatureVersion)}: expected 1 or 2` };
      const certUrl = snsUrl(message.SigningCertURL);
      if (!certUrl || !certUrl.pathname.endsWith(".pem")) return { ok: false, status: 403, reason: "SigningCertURL is not an https .pem URL on sns.<region>.amazonaws.com" };
      const signed = snsStringToSign(message);
      if (!signed) return { ok: false, status: 403, reason: `a ${String(message.Type)} message without the fields SNS signs` };
      let key: KeyObject;
      try {
        key = await keyFor(certUrl);
      } catch (err) {
        return { ok: false, status: 403, reason: `could not fetch the signing certificate: ${(err as Error).message}` };
      }
      let valid = false;
      try {
        valid = createVerify(version === "1" ? "RSA-SHA1" : "RSA-SHA256").update(signed, "utf8").verify(key, String(message.Signature), "base64");
      } catch {
        valid = false;
      }
      if (!valid) return { ok: false, status: 403, reason: "the SNS signature does not verify" };
      if (!options.topicArns.includes(String(message.TopicArn))) return { ok: false, status: 403, reason: `topic ${String(message.TopicArn)} is not in GAZETTE_SES_TOPIC_ARNS` };
      const time = Date.parse(String(message.Timestamp));
      const age = checkTimestamp(Number.isNaN(time) ? undefined : String(Math.floor(time / 1000)), now);
      if (!age.ok) return age;
      return { ok: true, replayKey: `sns:${String(message.Signature)}`, message };
    },
  };
}

/** Fetches over https with a timeout, no redirects and a size limit: the default FetchText. */
export async function fetchHttps(url: URL): Promise<string> {
  const response = await fetch(url, { redirect: "error", signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url.href} answered ${response.status}`);
  const body = await response.text();
  if (body.length > 64 * 1024) throw new Error(`${url.href} sent more than 64 KB`);
  return body;
}
