// mjml itself runs in worker threads (src/build/mjml-worker.js, started by
// src/build/compile-emails.ts); this module holds what both sides share.
import { RenderError } from "../../errors.ts";

export const MJML_OPTIONS = {
  validationLevel: "strict",
  keepComments: false,
  beautify: false,
  minify: false,
  // No web fonts: nothing in the mail may fetch from elsewhere.
  fonts: {},
} as const;

/** A RenderError that names the template and quotes each MJML message with its generated line. */
export function mjmlFailure(cause: unknown, mjml: string, template: string): RenderError {
  const errors = (cause as { errors?: { formattedMessage?: string; message: string; line?: number }[] }).errors;
  const lines = mjml.split("\n");
  const detail = errors?.length
    ? errors.map((e) => `${e.formattedMessage ?? e.message}${e.line ? `\n      ${lines[e.line - 1]?.trim().slice(0, 120) ?? ""}` : ""}`).join("\n    ")
    : (cause as Error).message;
  return new RenderError(template, `MJML rejected the generated document:\n    ${detail}`, { cause });
}

/**
 * Drops the indentation mjml writes (a fifth of a typical mail): every run
 * of white space that holds a line break becomes one line break, which HTML
 * renders the same. <pre> and <textarea> keep theirs.
 */
export function collapseWhitespace(html: string): string {
  return html
    .split(/(<(?:pre|textarea)\b[\s\S]*?<\/(?:pre|textarea)>)/i)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[ \t]*\n[\s]*/g, "\n")))
    .join("");
}
