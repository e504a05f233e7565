// The terms of the archive's search index: one module, served as
// assets/search-terms.js for the search page and imported by the build that
// makes the index, so a query is cut into terms exactly as the papers were.
//
// Chinese (and Japanese kana) has no spaces to split words at, so a run of
// it becomes its overlapping pairs of characters (梯度信息 → 梯度 度信 信息)
// and its last character alone (a one-character query finds it). A query's
// pairs must all be found, so 混合专家 finds 混合, 合专 and 专家 together.
// Every other run of letters and digits is a word, compared after NFKC and
// lower-casing (GradMax, ＧＲＡＤＭＡＸ and gradmax are one term).

// A run of Chinese or kana, or a run of other letters, marks and digits.
// The u flag, not v (set subtraction): Safari before 17 cannot parse v, and
// the search page loads this module as it is; as fast here, same runs.
const RUN = /([\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]+)|((?:(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}])[\p{L}\p{N}\p{M}])+)/gu;

/** What a term is: a word, a pair of characters, the last character of a longer run, a run of one character. */
export const WORD = 0, PAIR = 1, LAST = 2, SINGLE = 3;

// Words that are all ASCII need no NFKC (it leaves ASCII as it is): most
// of an English text's words, skipped past ICU.
const ASCII = /^[\x00-\x7f]*$/;

/** Calls visit(term, start, end, kind) for each term of text in order; start and end are offsets in text. */
export function scanTerms(text, visit) {
  RUN.lastIndex = 0;
  for (let m = RUN.exec(text); m !== null; m = RUN.exec(text)) {
    const run = m[0];
    const start = m.index;
    const end = start + run.length;
    if (m[1] === undefined) {
      visit((ASCII.test(run) ? run : run.normalize("NFKC")).toLowerCase(), start, end, WORD);
      continue;
    }
    // Code points, not UTF-16 units: some Han characters lie beyond the BMP.
    let at = start;
    let size = charSize(run, 0);
    if (size === run.length) {
      visit(run, start, end, SINGLE);
      continue;
    }
    while (at + size < end) {
      const next = charSize(run, at - start + size);
      visit(text.slice(at, at + size + next), at, at + size + next, PAIR);
      at += size;
      size = next;
    }
    visit(text.slice(at, end), at, end, LAST);
  }
}

/** 2 where a surrogate pair starts at i, else 1. */
function charSize(text, i) {
  const code = text.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
}

/**
 * The terms of a query, each once, and which are matched as a prefix: a
 * lone character (it begins the pairs it is in) and the last word, which
 * may still be being typed. Pairs and the other words are matched whole.
 */
export function queryTerms(query) {
  const found = [];
  scanTerms(query, (term, _start, _end, kind) => {
    if (kind !== LAST) found.push({ term, kind });
  });
  const terms = [];
  for (const [i, { term, kind }] of found.entries()) {
    const prefix = kind === SINGLE || (kind === WORD && i === found.length - 1);
    const known = terms.find((t) => t.term === term);
    if (known) known.prefix ||= prefix;
    else terms.push({ term, prefix });
  }
  return terms;
}

/** Which of a shard's `buckets` files (a power of two) holds the terms beginning with term's first character. */
export function bucketOf(term, buckets) {
  const first = term.codePointAt(0) ?? 0;
  // FNV-1a over the code point's four bytes.
  let hash = 0x811c9dc5;
  for (let shift = 0; shift < 32; shift += 8) {
    hash ^= (first >>> shift) & 0xff;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & (buckets - 1);
}

// A term's papers in a shard are written as one string of numbers (each
// paper's gap from the one before, then its weight): each number in base 32,
// most significant digit first, a digit that more follow written from the
// upper half of ALPHABET and the last from the lower half. Half the size of
// a JSON array of the same numbers, and nothing in it needs escaping.
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** The numbers (whole, not negative) as one string. */
export function encodeNumbers(numbers) {
  let out = "";
  for (const number of numbers) {
    let n = number;
    let digits = ALPHABET[n % 32];
    for (n = Math.floor(n / 32); n > 0; n = Math.floor(n / 32)) digits = ALPHABET[32 + (n % 32)] + digits;
    out += digits;
  }
  return out;
}

/** encodeNumbers' numbers back; throws on a character it never writes. */
export function decodeNumbers(text) {
  const out = [];
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const d = code < 128 ? DIGIT[code] : -1;
    if (d < 0) throw new Error(`not a number list: ${JSON.stringify(text[i])} at ${i}`);
    if (d >= 32) n = n * 32 + (d - 32);
    else {
      out.push(n * 32 + d);
      n = 0;
    }
  }
  return out;
}
