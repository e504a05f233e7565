import { execFileSync } from "node:child_process";
import { createSign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { tempDir } from "./project.ts";

/**
 * A self-signed certificate made for the test by openssl, served from a
 * local HTTP server as if from sns.<region>.amazonaws.com: the webhook's
 * injected fetcher maps each https URL to this server, so the host rule
 * is still checked on the real URL and nothing reaches the network.
 */
export async function startFakeSns() {
  const dir = await tempDir("gazette-sns-");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"), "-days", "2", "-subj", "/CN=sns.amazonaws.com"], { stdio: "ignore" });
  const key = await readFile(path.join(dir, "key.pem"), "utf8");
  const cert = await readFile(path.join(dir, "cert.pem"), "utf8");
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url?.endsWith(".pem")) res.writeHead(200, { "Content-Type": "application/x-pem-file" }).end(cert);
    else if (req.url?.startsWith("/?Action=ConfirmSubscription")) res.writeHead(200, { "Content-Type": "text/xml" }).end("<ConfirmSubscriptionResponse/>");
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const fetched: string[] = [];
  return {
    hits,
    /** Every https URL the webhook asked for. */
    fetched,
    async fetchText(url: URL): Promise<string> {
      fetched.push(url.href);
      const res = await fetch(`http://127.0.0.1:${port}${url.pathname}${url.search}`);
      if (!res.ok) throw new Error(`answered ${res.status}`);
      return res.text();
    },
    /** An SNS message with its signature, made as SNS makes it. */
    sign(message: Record<string, string>, version: "1" | "2" = "1", certUrl = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem") {
      const fields = message.Type === "Notification" ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"] : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
      const text = fields.filter((f) => message[f] !== undefined).map((f) => `${f}\n${message[f]}\n`).join("");
      const Signature = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256").update(text).sign(key, "base64");
      return { ...message, SignatureVersion: version, Signature, SigningCertURL: certUrl };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
