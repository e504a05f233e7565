import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";

/** Bytes that are not UTF-8, at a 1-based physical line. */
export class InvalidUtf8Error extends Error {
  readonly code = "GAZETTE_INVALID_UTF8";
  constructor(readonly line: number) {
    super(`expected UTF-8 text; line ${line} has bytes that are not UTF-8 (save the file as UTF-8)`);
  }
}

/**
 * Passes bytes through unchanged while checking that they are UTF-8 (a
 * sequence split across chunks is held back until it is whole) and noting
 * where lines start, so that a parser further down can turn a byte offset
 * into the physical line it is on, whatever the line breaks (LF or CRLF)
 * and however many quoted fields span lines. Memory stays bounded: line
 * starts are dropped once the reader has passed them.
 */
export class Utf8Lines extends Transform {
  private offset = 0;
  private lines = 1;
  private held = Buffer.alloc(0);
  private afterNewline = true;
  /** Offsets and numbers of the lines that start with something other than a line break, not yet passed. */
  private readonly starts: { offset: number; line: number }[] = [];
  private head = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const whole = wholeLength(bytes);
    const complete = bytes.subarray(0, whole);
    this.held = Buffer.from(bytes.subarray(whole));
    if (!isUtf8(complete)) return done(new InvalidUtf8Error(this.lines + firstBadLine(complete)));
    this.note(complete);
    done(null, complete);
  }

  override _flush(done: TransformCallback): void {
    if (this.held.length > 0) return done(new InvalidUtf8Error(this.lines));
    done();
  }

  /**
   * The physical line of the first thing at or after `offset` (a record
   * that begins there, after any empty lines); forgets what lies before.
   */
  lineAt(offset: number): number {
    while (this.head < this.starts.length && this.starts[this.head]!.offset < offset) this.head++;
    if (this.head > 4096) {
      this.starts.splice(0, this.head);
      this.head = 0;
    }
    return this.starts[this.head]?.line ?? this.lines;
  }

  private note(bytes: Buffer): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x0a) {
        this.lines++;
        this.afterNewline = true;
      } else {
        if (this.afterNewline && b !== 0x0d) this.starts.push({ offset: this.offset + i, line: this.lines });
        this.afterNewline = false;
      }
    }
    this.offset += bytes.length;
  }
}

/** How many leading bytes end on a whole UTF-8 sequence (up to 3 bytes of an unfinished one are held back). */
function wholeLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if (b < 0x80) return bytes.length; // ASCII: whatever came before is whole or already broken
    if (b >= 0xc0) {
      const needs = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return needs > back ? bytes.length - back : bytes.length;
    }
  }
  return bytes.length;
}

/** 0-based index of the first line of `bytes` that is not UTF-8 (a sequence never holds a line feed). */
function firstBadLine(bytes: Buffer): number {
  let line = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a) {
      if (!isUtf8(bytes.subarray(start, i))) return line;
      line++;
      start = i + 1;
    }
  }
  return line;
}
