import { CLOSING_CODES, displayWidth, isCjk, isSpace, isWide, OPENING_CODES } from "../../src/render/text-wrap.ts";

// The wrapping rules written the plain way, a token object per character
// and an array per line, as Gazette wrapped text before it kept its tokens
// in columns of numbers (src/render/text-wrap.ts). The tests hold the fast
// wrapper to this one, line for line, over many generated paragraphs.

interface Token {
  text: string;
  width: number;
  breakBefore: boolean;
  space: boolean;
}

const URL_AT = /https?:\/\/\S+/y;

function tokenize(paragraph: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let prevSpaceOrCjk = true;
  let openingBefore = false;
  const push = (text: string, width: number, breakBefore: boolean, space: boolean) => {
    tokens.push({ text, width, breakBefore: breakBefore && !openingBefore, space });
    openingBefore = OPENING_CODES.has(text.charCodeAt(text.length - 1));
  };
  while (pos < paragraph.length) {
    const unit = paragraph.charCodeAt(pos);
    if (prevSpaceOrCjk && paragraph.startsWith("http", pos)) {
      URL_AT.lastIndex = pos;
      const url = URL_AT.exec(paragraph);
      if (url) {
        push(url[0], displayWidth(url[0]), true, false);
        pos += url[0].length;
        prevSpaceOrCjk = false;
        continue;
      }
    }
    if (isSpace(unit)) {
      while (pos < paragraph.length && isSpace(paragraph.charCodeAt(pos))) pos++;
      push(" ", 1, true, true);
      prevSpaceOrCjk = true;
      continue;
    }
    const code = paragraph.codePointAt(pos)!;
    const char = String.fromCodePoint(code);
    if (isCjk(code)) {
      push(char, isWide(code) ? 2 : 1, !CLOSING_CODES.has(unit), false);
      pos += char.length;
      prevSpaceOrCjk = true;
      continue;
    }
    let end = pos;
    while (end < paragraph.length) {
      const c = paragraph.codePointAt(end)!;
      if (isCjk(c) || isSpace(paragraph.charCodeAt(end))) break;
      end += c > 0xffff ? 2 : 1;
    }
    const word = paragraph.slice(pos, end);
    push(word, displayWidth(word), prevSpaceOrCjk && !CLOSING_CODES.has(unit), false);
    pos = end;
    prevSpaceOrCjk = false;
  }
  return tokens;
}

export function referenceWrap(paragraph: string, width: number, indent = ""): string[] {
  const room = Math.max(8, width - displayWidth(indent));
  const lines: Token[][] = [];
  let line: Token[] = [];
  const widthOf = (tokens: Token[]) => tokens.reduce((n, t) => n + t.width, 0);
  const trimEnd = (tokens: Token[]) => {
    let end = tokens.length;
    while (end > 0 && tokens[end - 1]!.space) end--;
    return tokens.slice(0, end);
  };
  for (const token of tokenize(paragraph.trim())) {
    if (token.space) {
      if (line.length > 0) line.push(token);
      continue;
    }
    if (widthOf(line) + token.width <= room || line.length === 0) {
      line.push(token);
      continue;
    }
    // Break before the token, or before the last token of the line that allows a break (not its first).
    let cut = line.length;
    if (!token.breakBefore) {
      let k = line.length - 1;
      while (k >= 0 && !line[k]!.breakBefore) k--;
      cut = k > 0 ? k : line.length;
    }
    lines.push(trimEnd(line.slice(0, cut)));
    const carried = line.slice(cut);
    while (carried.length > 0 && carried[0]!.space) carried.shift();
    line = [...carried, token];
  }
  if (line.length > 0) lines.push(trimEnd(line));
  return lines.map((l) => indent + l.map((t) => t.text).join(""));
}
