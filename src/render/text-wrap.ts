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
export function isWide(code: number): boolean {
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
export function isCjk(code: number): boolean {
  if (code < 0x2e80) return false;
  return inCommonCjk(code) || CJK.test(String.fromCodePoint(code));
}

const URL_AT = /https?:\/\/\S+/y;

/** What \s matches in a regular expression, for one UTF-16 code unit. */
export function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

/** Characters that may not start a line (CLOSING) and may not end one (OPENING), as code units: all lie in the BMP. */
export const CLOSING_CODES = new Set(Array.from(",.;:!?)]}、。，．：；！？）》」』】〕〉…%’”", (c) => c.charCodeAt(0)));
export const OPENING_CODES = new Set(Array.from("([{（《「『【〔〈‘“", (c) => c.charCodeAt(0)));
/** The same, as a table by code unit (looked up for every character wrapped): 1 closing, 2 opening. */
const CLOSING = 1;
const OPENING = 2;
const PUNCTUATION = new Uint8Array(0x10000);
for (const code of CLOSING_CODES) PUNCTUATION[code]! |= CLOSING;
for (const code of OPENING_CODES) PUNCTUATION[code]! |= OPENING;

// The tokens of the paragraph being wrapped, as columns of numbers rather
// than an object each: a 1,000-issue build wraps 40 million characters of
// text parts, nearly all of them Chinese, one token per character, and an
// object and a one-character string per token was most of the time the
// wrapping took and much of the garbage. A token is its span of the
// paragraph (a run of spaces stands for one space), its width in columns,
// and two flags. Reused from one paragraph to the next; wrapping is
// synchronous, so no two paragraphs share them at once.
const SPACE = 1;
/** A line may break before this token. */
const BREAK = 2;
let starts = new Int32Array(1024);
let ends = new Int32Array(1024);
let widths = new Int32Array(1024);
let flags = new Uint8Array(1024);
let count = 0;

function addToken(start: number, end: number, width: number, flag: number): void {
  if (count === starts.length) {
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    starts = grow(starts, (n) => new Int32Array(n));
    ends = grow(ends, (n) => new Int32Array(n));
    widths = grow(widths, (n) => new Int32Array(n));
    flags = grow(flags, (n) => new Uint8Array(n));
  }
  starts[count] = start;
  ends[count] = end;
  widths[count] = width;
  flags[count] = flag;
  count++;
}

// One pass over the code units, no regular expression but the URL's.
function tokenize(paragraph: string): void {
  count = 0;
  const length = paragraph.length;
  let pos = 0;
  let prevSpaceOrCjk = true;
  let openingBefore = false;
  // No break after opening punctuation.
  const push = (start: number, end: number, width: number, breakBefore: boolean, space: boolean, lastCode: number) => {
    addToken(start, end, width, (space ? SPACE : 0) | (breakBefore && !openingBefore ? BREAK : 0));
    openingBefore = (PUNCTUATION[lastCode]! & OPENING) !== 0;
  };
  while (pos < length) {
    const unit = paragraph.charCodeAt(pos);
    if (prevSpaceOrCjk && unit === 0x68 /* h */ && paragraph.startsWith("http", pos)) {
      URL_AT.lastIndex = pos;
      const url = URL_AT.exec(paragraph);
      if (url) {
        const text = url[0];
        push(pos, pos + text.length, displayWidth(text), true, false, text.charCodeAt(text.length - 1));
        pos += text.length;
        prevSpaceOrCjk = false;
        continue;
      }
    }
    if (isSpace(unit)) {
      let end = pos + 1;
      while (end < length && isSpace(paragraph.charCodeAt(end))) end++;
      push(pos, end, 1, true, true, 0x20);
      pos = end;
      prevSpaceOrCjk = true;
      continue;
    }
    const code = paragraph.codePointAt(pos)!;
    if (isCjk(code)) {
      const size = code > 0xffff ? 2 : 1;
      push(pos, pos + size, isWide(code) ? 2 : 1, (PUNCTUATION[unit]! & CLOSING) === 0, false, paragraph.charCodeAt(pos + size - 1));
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
    push(pos, end, width, prevSpaceOrCjk && (PUNCTUATION[unit]! & CLOSING) === 0, false, paragraph.charCodeAt(end - 1));
    pos = end;
    prevSpaceOrCjk = false;
  }
}

/**
 * Wraps one paragraph to `width` columns, each line prefixed with `indent`.
 * A URL or word longer than the line stands alone on its own line, unbroken.
 */
export function wrapParagraph(paragraph: string, width = 76, indent = ""): string[] {
  const room = Math.max(8, width - displayWidth(indent));
  const text = paragraph.trim();
  tokenize(text);
  const lines: string[] = [];
  // The line being filled is the tokens [first, next): each token either
  // joins it or starts the next line, which then ends with that token.
  let first = 0;
  let next = 0;
  let used = 0;
  for (let i = 0; i < count; i++) {
    const flag = flags[i]!;
    if (flag & SPACE) {
      // A line never starts with a space.
      if (next > first) {
        next = i + 1;
        used += 1;
      } else first = next = i + 1;
      continue;
    }
    if (used + widths[i]! <= room || next === first) {
      next = i + 1;
      used += widths[i]!;
      continue;
    }
    // Overflow: break before this token, or, if it may not start a line,
    // carry back to the last point where a break is allowed.
    let cut = next;
    if (!(flag & BREAK)) {
      while (cut > first && !(flags[cut - 1]! & BREAK)) cut--;
      cut = Math.max(first, cut - 1);
      if (cut === first) cut = next; // no break point at all: let it overflow rather than loop
    }
    lines.push(indent + lineText(text, first, cut));
    first = cut;
    while (first < i && flags[first]! & SPACE) first++;
    next = i + 1;
    used = 0;
    for (let t = first; t < next; t++) used += widths[t]!;
  }
  if (next > first) lines.push(indent + lineText(text, first, next));
  return lines;
}

/** The tokens [from, to) as text, trailing spaces left off: each run of words one slice of the paragraph, each run of spaces one space. */
function lineText(text: string, from: number, to: number): string {
  while (to > from && flags[to - 1]! & SPACE) to--;
  let out = "";
  let run = -1;
  for (let t = from; t < to; t++) {
    if (flags[t]! & SPACE) {
      if (run >= 0) out += text.slice(starts[run]!, ends[t - 1]!);
      out += " ";
      run = -1;
    } else if (run < 0) run = t;
  }
  if (run >= 0) out += text.slice(starts[run]!, ends[to - 1]!);
  return out;
}

/** Wraps text made of paragraphs separated by blank lines; keeps the blank lines. */
export function wrapText(text: string, width = 76, indent = ""): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => wrapParagraph(p.replace(/\s*\n\s*/g, " "), width, indent).join("\n"))
    .join("\n\n");
}
