import { RenderError } from "../../errors.ts";

type Mjml2Html = (mjml: string, options: Record<string, unknown>) => Promise<{ html: string; errors: { formattedMessage?: string; message: string; line?: number }[] }>;

let mjmlModule: Promise<Mjml2Html> | undefined;

/** mjml takes about half a second to import: only when an email must be compiled. */
function loadMjml(): Promise<Mjml2Html> {
  mjmlModule ??= import("mjml").then((m) => ((m as { default?: unknown }).default ?? m) as Mjml2Html);
  return mjmlModule;
}

export const MJML_OPTIONS = {
  validationLevel: "strict",
  keepComments: false,
  beautify: false,
  minify: false,
  // No web fonts: nothing in the mail may fetch from elsewhere.
  fonts: {},
} as const;

/**
 * Compiles one whole MJML document to HTML at the strict validation level.
 * Errors name the template and quote MJML's messages with the offending line
 * of the generated document.
 */
export async function compileMjml(mjml: string, template: string): Promise<string> {
  const mjml2html = await loadMjml();
  try {
    const result = await mjml2html(mjml, { ...MJML_OPTIONS });
    return collapseWhitespace(result.html);
  } catch (cause) {
    throw mjmlFailure(cause, mjml, template);
  }
}

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
