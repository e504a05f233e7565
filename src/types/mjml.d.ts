// mjml 5 ships no types; this is the part Gazette calls.
declare module "mjml" {
  interface MjmlError {
    line?: number;
    message: string;
    tagName?: string;
    formattedMessage?: string;
  }
  interface MjmlResult {
    html: string;
    errors: MjmlError[];
  }
  const mjml2html: (mjml: string, options?: Record<string, unknown>) => Promise<MjmlResult>;
  export default mjml2html;
}
