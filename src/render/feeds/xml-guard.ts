// The `feed` package escapes XML incompletely: it splits only the first "]]>"
// inside CDATA, writes "<" raw into attributes, and turns a literal "&amp;"
// in text into "&". Rather than trust it, every string Gazette hands it goes
// through `protect`, which swaps the four XML-significant characters for
// tokens built on U+FFFE (a character content can never hold: the loader
// strips it, as XML forbids it). `finalize` then writes each token back in
// the form its context needs: raw inside CDATA (splitting every "]]>"), an
// entity everywhere else.

const MARK = "\uFFFE";
const TOKENS: Record<string, { char: string; entity: string }> = {
  a: { char: "&", entity: "&amp;" },
  l: { char: "<", entity: "&lt;" },
  g: { char: ">", entity: "&gt;" },
  q: { char: '"', entity: "&quot;" },
};
const TOKEN_OF: Record<string, string> = { "&": `${MARK}a`, "<": `${MARK}l`, ">": `${MARK}g`, '"': `${MARK}q` };

/** Makes a string safe to hand to `feed`; undo with `finalize` on its output. */
export function protect(value: string): string {
  if (value.includes(MARK)) throw new Error("text contains U+FFFE, which XML cannot carry");
  return value.replace(/[&<>"]/g, (c) => TOKEN_OF[c]!);
}

/** Restores protected characters in `feed`'s XML output, each as its context needs. */
export function finalize(xml: string): string {
  const out: string[] = [];
  let pos = 0;
  while (pos < xml.length) {
    const start = xml.indexOf("<![CDATA[", pos);
    if (start === -1) {
      out.push(restore(xml.slice(pos), "entity"));
      break;
    }
    const end = xml.indexOf("]]>", start + 9);
    if (end === -1) throw new Error("unterminated CDATA section in feed output");
    out.push(restore(xml.slice(pos, start), "entity"));
    const body = restore(xml.slice(start + 9, end), "char");
    out.push(`<![CDATA[${body.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`);
    pos = end + 3;
  }
  const result = out.join("");
  if (result.includes(MARK)) throw new Error("feed output still holds a protection token");
  return result;
}

function restore(text: string, form: "char" | "entity"): string {
  return text.replace(/\uFFFE([algq])/g, (_, key: string) => TOKENS[key]![form]);
}
