import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface Captured {
  from: string;
  to: string[];
  raw: Buffer;
  /** When the message was accepted (Date.now()). */
  at: number;
}

export interface SmtpBehaviour {
  /** Answer for RCPT TO: undefined accepts; `attempt` counts RCPTs for this address so far (from 1). */
  onRcpt?: (address: string, attempt: number) => { code: number; message: string } | undefined;
  /** For DATA: "accept", an error reply, or "drop" (close the connection mid-message). */
  onData?: (to: string[], attempt: number) => "accept" | "drop" | { code: number; message: string };
  /** Milliseconds to wait before answering each DATA. */
  delayMs?: number;
  /** Answer for MAIL FROM: undefined accepts. */
  onMailFrom?: (address: string) => { code: number; message: string } | undefined;
  /** Keep only the envelope and arrival time of each message, not its bytes (big sends). */
  discardBodies?: boolean;
  /** Require this login (PLAIN/LOGIN over the plain connection). */
  login?: { user: string; pass: string };
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1, port 0, that keeps every
 * accepted message. Only accepted ones count as delivered.
 */
export async function startSmtpServer(behaviour: SmtpBehaviour = {}) {
  const accepted: Captured[] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: !behaviour.login,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _session, callback) {
      const ok = behaviour.login && auth.username === behaviour.login.user && auth.password === behaviour.login.pass;
      if (!ok) return callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
      callback(null, { user: auth.username });
    },
    onMailFrom(address, _session, callback) {
      const answer = behaviour.onMailFrom?.(address.address);
      if (answer) return callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
      callback();
    },
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const n = (rcptAttempts.get(address.address) ?? 0) + 1;
      rcptAttempts.set(address.address, n);
      const answer = behaviour.onRcpt?.(address.address, n);
      if (answer) return callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      const to = session.envelope.rcptTo.map((r) => r.address);
      const key = to.join(",");
      const n = (dataAttempts.get(key) ?? 0) + 1;
      dataAttempts.set(key, n);
      const answer = behaviour.onData?.(to, n) ?? "accept";
      if (answer === "drop") {
        stream.once("data", () => {
          for (const conn of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) {
            if (conn.id === session.id) conn._socket.destroy();
          }
        });
        stream.resume();
        return;
      }
      stream.on("data", (c: Buffer) => behaviour.discardBodies || chunks.push(c));
      stream.on("end", () => {
        setTimeout(() => {
          if (answer !== "accept") return callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
          accepted.push({ from: session.envelope.mailFrom ? (session.envelope.mailFrom as { address: string }).address : "", to, raw: behaviour.discardBodies ? Buffer.alloc(0) : Buffer.concat(chunks), at: Date.now() });
          callback(null, "Queued as test");
        }, behaviour.delayMs ?? 0);
      });
    },
  });
  // Dropped connections (the "drop" behaviour) surface as socket errors: expected here.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    rcptAttempts,
    /** Accepted messages per recipient address. */
    countsByRecipient(): Map<string, number> {
      const counts = new Map<string, number>();
      for (const m of accepted) for (const t of m.to) counts.set(t, (counts.get(t) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
