// Plain-text wrapping that knows Chinese, Japanese and Korean have no spaces
// between words: a line may break between any two CJK characters, never
// inside a URL or a Latin word, and never before closing punctuation (，。)
// or after opening punctuation (（《). Widths are display columns: a CJK
// character takes two, as in every terminal and monospaced mail reader.

const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|\p{Emoji_Presentation}|[\u{20000}-\u{3FFFD}]/u;
const CJK = /[\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;

/** Display columns of a string (CJK and emoji count two). */
export function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    if (code > 0xffff) i++;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

/** WIDE for one code point; most text is ASCII or CJK, decided without a regular expression. */
function isWide(code: number): boolean {
  if (code < 0x1100) return false;
  if (code <= 0x115f) return true;
  if (code < 0x231a) return false;
  if (inCommonCjk(code)) return true;
  return WIDE.test(String.fromCodePoint(code));
}

/** Kana, the CJK symbols and the unified ideographs: in both WIDE and CJK. */
function inCommonCjk(code: number): boolean {
  return (code >= 0x2e80 && code <= 0x303e) || (code >= 0x3041 && code <= 0x4dbf) || (code >= 0x4e00 && code <= 0x9fff);
}

/** CJK for one code point. */
function isCjk(code: number): boolean {
  if (code < 0x2e80) return false;
  return inCommonCjk(code) || CJK.test(String.fromCodePoint(code));
}

interface Token {
  text: string;
  width: number;
  /** A line may break before this token. */
  breakBefore: boolean;
  space: boolean;
}

const URL_AT = /https?:\/\/\S+/y;

/** What \s matches in a regular expression, for one UTF-16 code unit. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Characters that may not start a line (CLOSING) and may not end one (OPENING), as code units: all lie in the BMP. */
const CLOSING_CODES = new Set(Array.from(",.;:!?)]}、。，．：；！？）》」』】〕〉…%’”", (c) => c.charCodeAt(0)));
const OPENING_CODES = new Set(Array.from("([{（《「『【〔〈‘“", (c) => c.charCodeAt(0)));

// One pass over the code units, no regular expression but the URL's: a
// 1,000-issue build wraps 40 million characters of text parts, and a
// regular expression per character was a second of it.
function tokenize(paragraph: string): Token[] {
  const tokens: Token[] = [];
  const length = paragraph.length;
  let pos = 0;
  let prevSpaceOrCjk = true;
  let openingBefore = false;
  const push = (text: string, width: number, breakBefore: boolean, space: boolean, lastCode: number) => {
    // No break after opening punctuation.
    tokens.push({ text, width, breakBefore: breakBefore && !openingBefore, space });
    openingBefore = OPENING_CODES.has(lastCode);
  };
  while (pos < length) {
    const unit = paragraph.charCodeAt(pos);
    if (prevSpaceOrCjk && unit === 0x68 /* h */ && paragraph.startsWith("http", pos)) {
      URL_AT.lastIndex = pos;
      const url = URL_AT.exec(paragraph);
      if (url) {
        const text = url[0];
        push(text, displayWidth(text), true, false, text.charCodeAt(text.length - 1));
        pos += text.length;
        prevSpaceOrCjk = false;
        continue;
      }
    }
    if (isSpace(unit)) {
      let end = pos + 1;
      while (end < length && isSpace(paragraph.charCodeAt(end))) end++;
      push(" ", 1, true, true, 0x20);
      pos = end;
      prevSpaceOrCjk = true;
      continue;
    }
    const code = paragraph.codePointAt(pos)!;
    if (isCjk(code)) {
      const size = code > 0xffff ? 2 : 1;
      const char = size === 1 ? paragraph[pos]! : paragraph.slice(pos, pos + 2);
      push(char, isWide(code) ? 2 : 1, !CLOSING_CODES.has(unit), false, paragraph.charCodeAt(pos + size - 1));
      pos += size;
      prevSpaceOrCjk = true;
      continue;
    }
    // A run of non-space, non-CJK characters: a Latin word, a number, punctuation.
    let end = pos;
    let width = 0;
    while (end < length) {
      const c = paragraph.codePointAt(end)!;
      if (isCjk(c) || isSpace(paragraph.charCodeAt(end))) break;
      width += isWide(c) ? 2 : 1;
      end += c > 0xffff ? 2 : 1;
    }
    push(paragraph.slice(pos, end), width, prevSpaceOrCjk && !CLOSING_CODES.has(unit), false, paragraph.charCodeAt(end - 1));
    pos = end;
    prevSpaceOrCjk = false;
  }
  return tokens;
}

/**
 * Wraps one paragraph to `width` columns, each line prefixed with `indent`.
 * A URL or word longer than the line stands alone on its own line, unbroken.
 */
export function wrapParagraph(paragraph: string, width = 76, indent = ""): string[] {
  const room = Math.max(8, width - displayWidth(indent));
  const lines: Token[][] = [];
  let line: Token[] = [];
  let used = 0;
  for (const token of tokenize(paragraph.trim())) {
    if (token.space) {
      if (line.length > 0) {
        line.push(token);
        used += 1;
      }
      continue;
    }
    if (used + token.width <= room || line.length === 0) {
      line.push(token);
      used += token.width;
      continue;
    }
    // Overflow: break before this token, or, if it may not start a line,
    // carry back to the last point where a break is allowed.
    let cut = line.length;
    let carried: Token[] = [];
    if (!token.breakBefore) {
      while (cut > 0 && !line[cut - 1]!.breakBefore) cut--;
      cut = Math.max(0, cut - 1);
      if (cut === 0) cut = line.length; // no break point at all: let it overflow rather than loop
      carried = line.slice(cut);
    }
    lines.push(trimEnd(line.slice(0, cut)));
    line = [...dropLeadingSpace(carried), token];
    used = line.reduce((n, t) => n + t.width, 0);
  }
  if (line.length > 0) lines.push(trimEnd(line));
  return lines.map((l) => indent + l.map((t) => t.text).join(""));
}

/** Wraps text made of paragraphs separated by blank lines; keeps the blank lines. */
export function wrapText(text: string, width = 76, indent = ""): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => wrapParagraph(p.replace(/\s*\n\s*/g, " "), width, indent).join("\n"))
    .join("\n\n");
}

function trimEnd(tokens: Token[]): Token[] {
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.space) end--;
  return tokens.slice(0, end);
}

function dropLeadingSpace(tokens: Token[]): Token[] {
  let start = 0;
  while (start < tokens.length && tokens[start]!.space) start++;
  return tokens.slice(start);
}
