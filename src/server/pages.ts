import type { FastifyReply } from "fastify";
import type { SiteView } from "../render/web/archive.ts";
import type { WebTemplates } from "../render/web/templates.ts";

/** A parsed urlencoded form body (@fastify/formbody); undefined when there was none. */
export type Form = Record<string, string | string[] | undefined> | undefined;

/** One text field of a form body; "" when absent or not text (a JSON body, say); the first when repeated. */
export function field(body: Form, name: string): string {
  const value = body?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : "";
}

/** One of the server's own pages: the archive's layout with a notice body. */
export interface NoticeView {
  title: string;
  paragraphs: { text: string; strong?: string; status?: boolean }[];
  forms?: { action: string; button: string; secondary?: boolean }[];
  /** Show the signup form, with what was typed and what was wrong with it. */
  signup?: { email?: string; error?: string };
}

export function sendNotice(reply: FastifyReply, status: number, templates: WebTemplates, site: SiteView, view: NoticeView): FastifyReply {
  const page = { title: `${view.title} · ${site.title}`, description: site.description, ogType: "website", root: "/", noindex: true, hideSignup: true };
  const body = templates.notice({ site, heading: view.title, ...view });
  return reply.code(status).type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(templates.layout({ site, page, body }));
}

/** r*****@example.org: enough to recognise, not enough to harvest. */
export function maskAddress(email: string): string {
  const [local, domain] = email.split("@") as [string, string];
  return `${local.slice(0, 1)}${"*".repeat(Math.max(1, local.length - 1))}@${domain}`;
}
