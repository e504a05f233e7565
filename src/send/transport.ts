import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Config } from "../config.ts";

// The only importer of nodemailer. The sender hands over ready bytes and an
// envelope; a transport answers with the relay's response or a SendFailure
// that says whether trying again could help.

export interface Envelope {
  from: string;
  to: string;
}

export interface Transport {
  /** For people: "SMTP relay smtp.example.org:587 (8 connections)", "outbox data/outbox/36/". */
  readonly description: string;
  /** Resolves to the relay's response text once the message is accepted. `raw` is the message's bytes in order. */
  send(envelope: Envelope, raw: Buffer[], fileName: string): Promise<string>;
  close(): Promise<void>;
}

export class SendFailure extends Error {
  constructor(
    message: string,
    /**
     * temporary: 4xx, reset, timeout (retry); permanent: this recipient's 5xx
     * (never retry); relay: the relay refused the session itself (login,
     * sender address): nothing to do with this recipient, and every other
     * message would fail the same way.
     */
    readonly kind: "temporary" | "permanent" | "relay",
    /** A short reason for reports: "451", "550 5.1.1", "ECONNRESET". */
    readonly reason: string,
    /** The address does not exist (5.1.1 and friends): mark the subscriber bounced. */
    readonly unknownUser: boolean,
    /**
     * No SMTP session came about: refused, no greeting in time, TLS failed,
     * or the greeting was a 4xx. Many in a row mean the relay is unreachable.
     */
    readonly connection = false,
  ) {
    super(message);
    this.name = "SendFailure";
  }
}

/** SMTP through nodemailer's pool, with an optional rate limit and DKIM. */
export async function createSmtpTransport(
  config: Pick<Config, "SMTP_URL" | "SMTP_POOL_SIZE" | "SMTP_RATE" | "DKIM_DOMAIN" | "DKIM_SELECTOR" | "DKIM_KEY_FILE"> & Partial<Pick<Config, "SMTP_TIMEOUT">>,
): Promise<Transport> {
  const url = new URL(config.SMTP_URL!);
  const dkim = config.DKIM_KEY_FILE
    ? { domainName: config.DKIM_DOMAIN!, keySelector: config.DKIM_SELECTOR!, privateKey: await readFile(config.DKIM_KEY_FILE, "utf8") }
    : undefined;
  // nodemailer counts whole messages per window: under 1/s, one message per longer window.
  const rate =
    config.SMTP_RATE <= 0 ? {}
    : config.SMTP_RATE < 1 ? { rateDelta: Math.round(1000 / config.SMTP_RATE), rateLimit: 1 }
    : { rateDelta: 1000, rateLimit: Math.round(config.SMTP_RATE) };
  const timeoutMs = Math.round((config.SMTP_TIMEOUT ?? 10) * 1000);
  const transporter = nodemailer.createTransport({
    pool: true,
    host: url.hostname,
    port: Number(url.port || (url.protocol === "smtps:" ? 465 : 587)),
    secure: url.protocol === "smtps:",
    auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    maxConnections: config.SMTP_POOL_SIZE,
    maxMessages: Infinity,
    // A relay answers in well under a second: waiting longer only delays
    // noticing that it is down (see the dead-relay rule in campaign.ts).
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(60_000, timeoutMs),
    ...(dkim ? { dkim } : {}),
    ...rate,
  });
  return {
    description: `SMTP relay ${url.hostname}:${url.port || (url.protocol === "smtps:" ? 465 : 587)} (${config.SMTP_POOL_SIZE} connections${config.SMTP_RATE > 0 ? `, at most ${config.SMTP_RATE}/s` : ""}${dkim ? `, DKIM ${dkim.keySelector}._domainkey.${dkim.domainName}` : ""})`,
    async send(envelope, raw) {
      try {
        const info: { response?: string } = await transporter.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw: Buffer.concat(raw) }); // a stream of the chunks measured slower through nodemailer
        return String(info.response ?? "250 accepted");
      } catch (err) {
        throw classify(err as Error & { responseCode?: number; response?: string; code?: string });
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/** Writes each message as <dir>/<fileName>.eml, atomically; any mail client opens them. */
export function createOutboxTransport(dir: string): Transport {
  // The folder is made once, not per message (a rush of confirmation mails measured the mkdir); again if it goes.
  let made: Promise<unknown> | undefined;
  return {
    description: `local outbox ${path.relative(process.cwd(), dir) || dir}/ (no SMTP_URL set)`,
    async send(_envelope, raw, fileName) {
      const file = path.join(dir, `${fileName}.eml`);
      const bytes = Buffer.concat(raw);
      await (made ??= mkdir(dir, { recursive: true }).catch((err: unknown) => {
        made = undefined;
        throw err;
      }));
      await writeFile(`${file}.tmp`, bytes).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
        await (made = mkdir(dir, { recursive: true }));
        await writeFile(`${file}.tmp`, bytes);
      });
      await rename(`${file}.tmp`, file);
      return `250 written to ${path.basename(file)}`;
    },
    async close() {},
  };
}

/** Any error from a transport as a SendFailure; one it does not know is taken as temporary. */
export function asSendFailure(err: unknown): SendFailure {
  return err instanceof SendFailure ? err : new SendFailure((err as Error).message, "temporary", "error", false);
}

const TEMPORARY_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "ECONNRESET", "EPIPE", "ECONNREFUSED", "EDNS", "ETLS", "EPROTOCOL"]);

/**
 * Sorts a nodemailer error into temporary, permanent or relay, with its
 * reason. Only a reply to RCPT TO or DATA is about the recipient; a 5xx to
 * the login or to MAIL FROM is the relay refusing us. An enhanced status
 * code (RFC 3463), when the reply has one, decides "unknown user"; the
 * wording only when it has none.
 */
export function classify(err: Error & { responseCode?: number; response?: string; code?: string; command?: string }): SendFailure {
  const response = err.response ?? err.message;
  // nodemailer names the step that failed; "CONN" is connecting, the greeting and TLS.
  const connection = err.command === "CONN";
  const enhanced = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1];
  const aboutRecipient = err.command === undefined || /^(RCPT|DATA)\b/i.test(err.command);
  if (err.responseCode && err.responseCode >= 500) {
    const reason = `${err.responseCode}${enhanced ? ` ${enhanced}` : ""}`;
    if (!aboutRecipient) return new SendFailure(`${err.command}: ${response}`, "relay", reason, false);
    const unknownUser = enhanced ? enhanced === "5.1.1" || enhanced === "5.1.10" : /user unknown|no such user|mailbox unavailable|does not exist/i.test(response);
    return new SendFailure(response, "permanent", reason, unknownUser);
  }
  if (err.responseCode && err.responseCode >= 400) return new SendFailure(response, "temporary", `${err.responseCode}${enhanced ? ` ${enhanced}` : ""}`, false, connection);
  if (err.code && TEMPORARY_CODES.has(err.code)) return new SendFailure(response, "temporary", err.code, false, connection);
  return new SendFailure(response, "temporary", err.code ?? "error", false, connection);
}
