import { SMTPServer } from "smtp-server";
import type { FeedbackIntake } from "./intake.ts";
import { takeFeedbackMail, type MailOutcome } from "./intake-mail.ts";

// The inbound SMTP listener `gazette serve` starts with
// GAZETTE_INBOUND_SMTP=127.0.0.1:2525: an MX or a Postfix transport hands
// it the bounce and unsubscribe mail. Every message is accepted once read
// (a refusal would only make the sender's server bounce the bounce); a
// store failure answers 451 so the sender tries again later.

export interface InboundSmtp {
  /** host:port it listens on. */
  address: string;
  close(): Promise<void>;
}

export async function startInboundSmtp(options: {
  intake: FeedbackIntake;
  host: string;
  port: number;
  /** Largest message taken, in bytes (default 10 MB). */
  maxBytes?: number;
  onMail?: (outcome: MailOutcome, envelope: { from: string; to: string[] }) => void;
  onError?: (err: Error) => void;
}): Promise<InboundSmtp> {
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    size: maxBytes,
    banner: "Gazette feedback intake",
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error(`message larger than ${maxBytes} bytes`), { responseCode: 552 }));
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        takeFeedbackMail(options.intake, "smtp", Buffer.concat(chunks), { to: envelope.to }).then(
          (outcome) => {
            options.onMail?.(outcome, envelope);
            callback(null, `Accepted: ${outcome.summary}`.slice(0, 400).replace(/[\r\n]+/g, " "));
          },
          (err: Error) => {
            options.onError?.(err);
            callback(Object.assign(new Error("temporary failure recording feedback, try again later"), { responseCode: 451 }));
          },
        );
      });
    },
  });
  server.on("error", (err) => options.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const bound = server.server.address() as { address: string; port: number };
  return {
    address: `${bound.address}:${bound.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
