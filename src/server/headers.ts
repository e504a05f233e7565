import type { Socket } from "node:net";
import { STATUS_CODES } from "node:http";

// The headers every answer carries, pages, files, errors and fastify's own
// refusals alike. Routes with other needs (the email preview, which the
// preview page frames) set their own CSP and X-Frame-Options first.

/**
 * No inline script anywhere; nothing may frame these pages. Scripts only
 * from the site itself.
 */
export const DEFAULT_CSP = "default-src 'self'; script-src 'self'; img-src 'self' https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  // frame-ancestors for current browsers; X-Frame-Options for the older ones that ignore it.
  "Content-Security-Policy": DEFAULT_CSP,
  "X-Frame-Options": "DENY",
};

/** Sets each security header the answer does not set itself. */
export function applySecurityHeaders(reply: { hasHeader(name: string): boolean; header(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name === "X-Content-Type-Options" || name === "Referrer-Policy" || !reply.hasHeader(name)) reply.header(name, value);
  }
}

/**
 * Node's HTTP parser refused the request (malformed request line or
 * headers, header overflow, timeout): there is no fastify reply, so the
 * answer is written to the socket by hand, with the same headers.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const body = `${STATUS_CODES[status]}\n`;
  const headers = Object.entries({ ...SECURITY_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(Buffer.byteLength(body)), Connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`);
  socket.destroy(err);
}
