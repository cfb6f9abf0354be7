/** A line longer than this is passed on in pieces rather than buffered without bound. */
export const MAX_LINE_BYTES = 1 << 20;

const NEWLINE = Buffer.from('\n');

/** Whole lines: buf[start, end), each ending in a newline. */
export interface Segment {
  buf: Buffer;
  start: number;
  end: number;
}

/**
 * Cuts a byte stream into whole lines without decoding it: a newline byte never occurs inside a
 * UTF-8 character, so lines are found and copied as bytes. The partial line at the end of a chunk
 * waits for its newline (at most maxLineBytes of it); the chunk itself is never copied.
 */
export class LineBuffer {
  private partial?: Buffer;

  constructor(private readonly maxLineBytes = MAX_LINE_BYTES) {}

  /** The whole lines this chunk completes, in order. */
  push(chunk: Buffer | string): Segment[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const segments: Segment[] = [];
    let start = 0;
    if (this.partial) {
      const first = bytes.indexOf(10);
      if (first < 0) {
        this.partial = Buffer.concat([this.partial, bytes]);
        if (this.partial.length > this.maxLineBytes) return this.flushLong();
        return segments;
      }
      const head = Buffer.concat([this.partial, bytes.subarray(0, first + 1)]);
      segments.push({ buf: head, start: 0, end: head.length });
      this.partial = undefined;
      start = first + 1;
    }
    const end = bytes.lastIndexOf(10) + 1;
    if (end > start) segments.push({ buf: bytes, start, end });
    const from = Math.max(start, end);
    if (from < bytes.length) {
      this.partial = Buffer.from(bytes.subarray(from)); // a copy, so the chunk is not kept alive
      if (this.partial.length > this.maxLineBytes) segments.push(...this.flushLong());
    }
    return segments;
  }

  /** A line that never ends: passed on in pieces. */
  private flushLong(): Segment[] {
    const piece = Buffer.concat([this.partial!, NEWLINE]);
    this.partial = undefined;
    return [{ buf: piece, start: 0, end: piece.length }];
  }

  /** When the stream ends cleanly: a last line without a newline, if any. */
  end(): Segment[] {
    if (!this.partial) return [];
    const rest = Buffer.concat([this.partial, NEWLINE]);
    this.partial = undefined;
    return [{ buf: rest, start: 0, end: rest.length }];
  }

  get buffered(): number {
    return this.partial?.length ?? 0;
  }
}
