import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is passed on in pieces rather than buffered without bound. */
export const MAX_LINE_CHARS = 1 << 20;

/**
 * Cuts a byte stream into whole lines. Keeps the partial line at the end of a chunk until its
 * newline arrives (bounded by maxLineChars), and never splits a UTF-8 character.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  /** The complete lines in this chunk (without their newlines). */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.partial = lines.pop()!;
    while (this.partial.length > this.maxLineChars) {
      lines.push(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
    for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
    return lines;
  }

  /** What is left when the stream ends cleanly: a last line without a newline, if any. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest ? [rest] : [];
  }

  /** Drops the partial line (a broken stream: it is read again when the stream resumes). */
  reset(): void {
    this.partial = '';
  }

  get buffered(): number {
    return this.partial.length;
  }
}
