import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { kb, type ConfirmMeta, type EmailMeta } from "../build/emails.ts";
import { packagePath } from "../paths.ts";
import { fillPlaceholders, type PlaceholderValues } from "../render/email/placeholders.ts";
import type { WebTemplates } from "../render/web/templates.ts";

const RELOAD_JS = packagePath("src/server/reload.js");

/** The reader the preview pretends to send to. */
export const SAMPLE_EMAIL = "reader@example.org";

/**
 * /_preview/emails/<n>/ shows an issue's email as a subscriber gets it:
 * subject, preheader, the HTML part at 375 and 640 px, the text part; every
 * placeholder filled for a sample subscriber. Files are read from dist/ on
 * each request, and the page reloads itself when a rebuild changes them.
 */
export async function registerPreview(app: FastifyInstance, distDir: string, templates: WebTemplates): Promise<void> {
  const reloadJs = await readFile(RELOAD_JS, "utf8");
  const emailsDir = path.join(distDir, "emails");
  const sample = (origin: string): PlaceholderValues => ({
    email: SAMPLE_EMAIL,
    unsubscribeUrl: `${origin}/_preview/unsubscribe`,
    confirmUrl: `${origin}/_preview/confirm`,
    linkBase: `${origin}/`,
  });
  const originOf = (host: string | undefined) => `http://${host ?? "127.0.0.1"}`;

  // A held version request must not keep the server from closing.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  app.get("/_preview/reload.js", (_req, reply) => reply.type("text/javascript; charset=utf-8").send(reloadJs));

  app.get("/_preview/emails/", async (_req, reply) => {
    const names = await readdir(emailsDir).catch(() => [] as string[]);
    const metas = await Promise.all(names.filter((n) => n.endsWith(".json")).map((n) => readMeta(emailsDir, n.replace(/\.json$/, ""))));
    const emails = metas.filter((m): m is EmailMeta => m !== undefined && !("kind" in m)).sort((a, b) => b.number - a.number);
    const confirm = metas.find((m) => m && "kind" in m);
    return html(reply, templates.previewIndex({ emails, confirm }));
  });

  app.get<{ Params: { n: string } }>("/_preview/emails/:n/", async (req, reply) => {
    const meta = await readMeta(emailsDir, req.params.n);
    if (!meta) return reply.code(404).type("text/plain; charset=utf-8").send(`No built email #${req.params.n}: run gazette build.`);
    const text = fillPlaceholders(await readFile(path.join(emailsDir, meta.text), "utf8"), sample(originOf(req.headers.host)), "text");
    const base = `/_preview/emails/${req.params.n}/`;
    return html(
      reply,
      templates.preview({
        meta,
        text,
        language: "en",
        sample: { email: SAMPLE_EMAIL },
        htmlUrl: `${base}html`,
        blockedUrl: `${base}html-without-images`,
        textUrl: `${base}text`,
        versionUrl: `${base}version`,
        version: await versionOf(emailsDir, req.params.n),
        htmlKb: kb(meta.bytes.html),
        textKb: kb(meta.bytes.text),
      }),
    );
  });

  // The HTML part, and the same as an inbox shows it with images blocked (the alt text in their place).
  const htmlPart = (blocked: boolean) => async (req: FastifyRequest<{ Params: { n: string } }>, reply: FastifyReply) => {
    const meta = await readMeta(emailsDir, req.params.n);
    if (!meta) return reply.code(404).send();
    const origin = originOf(req.headers.host);
    let body = fillPlaceholders(await readFile(path.join(emailsDir, meta.html), "utf8"), sample(origin), "html");
    // The email's own pictures are not published yet: show them from dist/ here.
    if ("images" in meta && meta.images) body = body.split(meta.images).join(`${origin}/images/`);
    const images = blocked ? "'none'" : "https: http: data:";
    // A mail client runs no script; neither does the preview.
    reply.header("Content-Security-Policy", `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; frame-ancestors 'self'`);
    // The preview page frames this part: the one answer another page of this server may frame.
    reply.header("X-Frame-Options", "SAMEORIGIN");
    return html(reply, body);
  };
  app.get("/_preview/emails/:n/html", htmlPart(false));
  app.get("/_preview/emails/:n/html-without-images", htmlPart(true));

  app.get<{ Params: { n: string } }>("/_preview/emails/:n/text", async (req, reply) => {
    const meta = await readMeta(emailsDir, req.params.n);
    if (!meta) return reply.code(404).send();
    const body = fillPlaceholders(await readFile(path.join(emailsDir, meta.text), "utf8"), sample(originOf(req.headers.host)), "text");
    return reply.type("text/plain; charset=utf-8").header("Cache-Control", "no-store").send(body);
  });

  app.get<{ Params: { n: string }; Querystring: { known?: string } }>("/_preview/emails/:n/version", async (req, reply) => {
    if (!EMAIL_NAME.test(req.params.n)) return reply.code(404).header("Cache-Control", "no-store").send();
    // Long poll: with ?known=V, answer as soon as the version differs (checked every 25 ms), or after 20 s.
    const known = req.query.known;
    let version = await versionOf(emailsDir, req.params.n);
    for (const until = Date.now() + LONG_POLL_MS; known !== undefined && (version === known || version === undefined) && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (closing || req.raw.destroyed) break;
      version = await versionOf(emailsDir, req.params.n);
    }
    // Mid-swap (or before a build) the files are missing: say nothing, so the page waits instead of reloading into a 404.
    if (!version) return reply.code(404).header("Cache-Control", "no-store").send();
    return reply.header("Cache-Control", "no-store").send({ version });
  });

  app.get("/_preview/unsubscribe", (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send("In a sent email this link is the reader's own signed unsubscribe page."),
  );
  app.get("/_preview/confirm", (_req, reply) =>
    reply.type("text/plain; charset=utf-8").send("In a sent confirmation mail this link is the reader's own signed, expiring confirmation page."),
  );
}

/** How long a version request with ?known= waits for a change before answering anyway. */
const LONG_POLL_MS = 20_000;

/** The built emails' names: an issue's number, or "confirm"; nothing else is ever read from dist/emails/. */
const EMAIL_NAME = /^(\d+|confirm)$/;

/** An issue's email (by number) or the confirmation mail ("confirm"). */
async function readMeta(dir: string, n: string): Promise<EmailMeta | ConfirmMeta | undefined> {
  if (!EMAIL_NAME.test(n)) return undefined;
  try {
    return JSON.parse(await readFile(path.join(dir, `${n}.json`), "utf8")) as EmailMeta | ConfirmMeta;
  } catch {
    return undefined;
  }
}

/** Changes whenever a rebuild rewrites any part of the email; undefined while a part is missing. */
async function versionOf(dir: string, n: string | number): Promise<string | undefined> {
  const times = await Promise.all(["json", "html", "txt"].map((ext) => stat(path.join(dir, `${n}.${ext}`)).then((s) => s.mtimeMs, () => undefined)));
  return times.includes(undefined) ? undefined : times.join("-");
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(body);
}
