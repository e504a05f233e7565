// A worker thread that compiles MJML documents: plain JavaScript, so it runs
// without a TypeScript loader. Messages: { id, mjml, options } in,
// { id, html } or { id, error: { message, errors } } out.
import { parentPort } from "node:worker_threads";
import mjml2html from "mjml";

parentPort.on("message", async ({ id, mjml, options }) => {
  try {
    const result = await mjml2html(mjml, options);
    parentPort.postMessage({ id, html: result.html });
  } catch (err) {
    const errors = Array.isArray(err?.errors)
      ? err.errors.map((e) => ({ message: String(e.message), formattedMessage: e.formattedMessage, line: e.line }))
      : undefined;
    parentPort.postMessage({ id, error: { message: String(err?.message ?? err), errors } });
  }
});
