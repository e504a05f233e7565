import { Parser } from "htmlparser2";

// SVG files are shown as they are on pages, so one that could run script or
// fetch something from elsewhere is refused rather than cleaned: cleaning
// SVG well is hard, and an editor's own figure never needs either.

/** Why an SVG is unsafe to publish, or undefined when it is not. Pure. */
export function findUnsafeSvg(text: string): string | undefined {
  let reason: string | undefined;
  let root: string | undefined;
  const refuse = (why: string) => void (reason ??= why);
  if (/<!ENTITY/i.test(text)) refuse("it declares XML entities");
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        root ??= name;
        const tag = name.toLowerCase();
        if (tag === "script") refuse("it contains a <script> element");
        if (tag === "foreignobject") refuse("it contains a <foreignObject> element");
        if (tag === "iframe" || tag === "embed" || tag === "object") refuse(`it contains an <${name}> element`);
        for (const [attr, value] of Object.entries(attributes)) {
          const a = attr.toLowerCase();
          if (a.startsWith("on")) refuse(`it has an event handler attribute (${attr} on <${name}>)`);
          if ((a === "href" || a === "xlink:href" || a === "src") && !value.trim().startsWith("#")) refuse(`it refers to another document (${attr}="${value.slice(0, 60)}" on <${name}>)`);
          if (/url\(\s*['"]?(?!#)/i.test(value)) refuse(`it refers to another document (url(…) in ${attr} on <${name}>)`);
        }
      },
      ontext(data) {
        if (/@import|url\(\s*['"]?(?!#)/i.test(data)) refuse("its styles refer to another document (@import or url(…))");
      },
      onprocessinginstruction(name) {
        if (name.toLowerCase() === "?xml-stylesheet") refuse("it links a style sheet (<?xml-stylesheet?>)");
      },
    },
    { xmlMode: true },
  );
  parser.write(text);
  parser.end();
  if (root?.toLowerCase() !== "svg" && root?.split(":").pop()?.toLowerCase() !== "svg") refuse("its root element is not <svg>");
  return reason;
}
