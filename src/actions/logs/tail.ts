import { formatLine, linePrefix, resumeFilter, sinceTimeOf, timeKey, type LineSource, type LogOutput, type ResumePoint } from '../../core/logs.js';
import { isTransient } from '../../core/transient.js';
import type { LogOptions } from '../../kube/client.js';
import { LineBuffer, type Segment } from './lines.js';

export type OpenLog = (options: LogOptions & { follow?: boolean }, signal: AbortSignal) => Promise<NodeJS.ReadableStream>;

export interface TailRequest {
  source: LineSource;
  follow: boolean;
  /** What the first request asks for (sinceSeconds, tailLines, previous); once lines were seen, requests ask from the resume point instead. */
  first: Pick<LogOptions, 'sinceSeconds' | 'tailLines' | 'previous'>;
  /** Shared with whoever resumes this container's run later (kept across breaks). */
  resume: ResumePoint;
}

export interface TailDeps {
  open: OpenLog;
  /** Writes at once and returns nothing, or returns a promise of when the destination has room again. */
  offer: (data: Buffer | string) => Promise<void> | undefined;
  output: LogOutput;
  timestamps: boolean;
  grep?: RegExp;
  signal: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** After a follow stream ends or breaks: is the same container run still going (so the stream should resume)? */
  stillRunning?: () => Promise<boolean>;
  /** Reports a stream that broke and could not be resumed. */
  warn?: (text: string) => void;
  /** Failures in a row without progress before a stream is given up (transient ones while following do not count). */
  maxAttempts?: number;
}

export interface TailResult {
  lines: number;
  resumed: number;
}

/** The pause before asking again: 0.2 s, doubling, at most 5 s. */
function backoff(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 5000);
}

const NL = 10;
const SPACE = 32;

/** End of the RFC3339 timestamp the server puts before a line (timestamps=true), or -1. */
function stampEnd(buf: Buffer, start: number, lineEnd: number): number {
  if (lineEnd - start < 20 || buf[start + 4] !== 45 || buf[start + 7] !== 45 || buf[start + 10] !== 84) return -1;
  const limit = Math.min(lineEnd, start + 40);
  for (let i = start + 19; i < limit; i++) if (buf[i] === SPACE) return i;
  return lineEnd - start <= 40 ? lineEnd : -1; // a line that is only a timestamp: an empty message
}

/**
 * Turns whole lines into output, working on bytes: the prefix is put before each message and the
 * timestamp taken off (unless --timestamps), with no decoding unless --grep or -o json need text,
 * and one output buffer per batch. Keeps the resume point up to date with every line passed on.
 */
class LineFormatter {
  private readonly prefix: Buffer;
  private filtering: boolean;
  private readonly keep: (time: string | undefined) => boolean;
  /** Per kept line: where its output starts and ends in the input (reused between batches). */
  private spans = new Int32Array(2048);

  constructor(
    private readonly source: LineSource,
    private readonly resume: ResumePoint,
    private readonly deps: Pick<TailDeps, 'output' | 'timestamps' | 'grep'>,
  ) {
    const text = linePrefix(source.pod, source.container, source.showContainer);
    this.prefix = Buffer.from(`${source.paint ? source.paint(text) : text} `);
    this.keep = resumeFilter(resume);
    this.filtering = resume.lastKey !== undefined;
  }

  /** Output for the whole lines of these segments, and how many lines it holds. */
  format(segments: Segment[]): { out: Buffer | string; lines: number } {
    let lines = 0;
    let json = '';
    const chunks: Buffer[] = [];
    for (const { buf, start, end } of segments) {
      const r = this.formatSegment(buf, start, end);
      lines += r.lines;
      if (typeof r.out === 'string') json += r.out;
      else if (r.out.length) chunks.push(r.out);
    }
    return { out: this.deps.output === 'json' ? json : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), lines };
  }

  private formatSegment(buf: Buffer, start: number, end: number): { out: Buffer | string; lines: number } {
    const text = this.deps.output !== 'json';
    let json = '';
    let lines = 0;
    let size = 0;
    // the last timestamp passed on, and how many lines in a row carried exactly it
    let lastStart = -1;
    let lastEnd = -1;
    let run = 0;
    let pos = start;
    while (pos < end) {
      const nl = buf.indexOf(NL, pos);
      let lineEnd = nl;
      if (lineEnd > pos && buf[lineEnd - 1] === 13) lineEnd -= 1;
      const tEnd = stampEnd(buf, pos, lineEnd);
      const msgStart = tEnd < 0 ? pos : Math.min(tEnd + 1, lineEnd);
      if (this.filtering) {
        const time = tEnd < 0 ? undefined : buf.toString('latin1', pos, tEnd);
        if (!this.keep(time)) {
          pos = nl + 1;
          continue;
        }
        if (time !== undefined) this.filtering = false;
      }
      if (tEnd >= 0) {
        if (lastStart >= 0 && sameBytes(buf, lastStart, lastEnd, pos, tEnd)) run += 1;
        else run = 1;
        lastStart = pos;
        lastEnd = tEnd;
      }
      const message = this.deps.grep || !text ? buf.toString('utf8', msgStart, lineEnd) : undefined;
      if (this.deps.grep && !this.deps.grep.test(message!)) {
        pos = nl + 1;
        continue;
      }
      if (text) {
        const from = this.deps.timestamps || tEnd < 0 ? pos : msgStart;
        if (2 * lines + 2 > this.spans.length) {
          const grown = new Int32Array(this.spans.length * 2);
          grown.set(this.spans);
          this.spans = grown;
        }
        this.spans[2 * lines] = from;
        this.spans[2 * lines + 1] = lineEnd;
        size += this.prefix.length + (lineEnd - from) + 1;
      } else {
        json += formatLine(this.source, { time: tEnd < 0 ? undefined : buf.toString('latin1', pos, tEnd), message: message! }, this.deps);
      }
      lines += 1;
      pos = nl + 1;
    }
    if (lastStart >= 0) this.advance(buf.toString('latin1', lastStart, lastEnd), run);
    if (!text) return { out: json, lines };
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < lines; i++) {
      at += this.prefix.copy(out, at);
      at += buf.copy(out, at, this.spans[2 * i]!, this.spans[2 * i + 1]!);
      out[at++] = NL;
    }
    return { out, lines };
  }

  private advance(time: string, run: number): void {
    const key = timeKey(time);
    if (key === this.resume.lastKey) this.resume.atLast += run;
    else {
      this.resume.lastKey = key;
      this.resume.lastTime = time;
      this.resume.atLast = run;
    }
  }
}

/** Whether two byte ranges are equal; timestamps differ near their end, so compare from there. */
function sameBytes(buf: Buffer, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = aEnd - a - 1; i >= 0; i--) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/**
 * Streams one container's log to the sink, line by line. A stream that breaks (or that ends while
 * the container still runs) is asked for again from the last timestamp seen, and the lines already
 * passed on are dropped: resumed, not replayed. A follow stream whose failures are transient (the API
 * server restarting, unreachable or overloaded: see core/transient.ts) is asked for again, every 5 s at
 * most, for as long as that lasts; other failures give up after maxAttempts in a row without progress.
 */
export async function tailContainer(request: TailRequest, deps: TailDeps): Promise<TailResult> {
  const { source, resume } = request;
  const maxAttempts = deps.maxAttempts ?? 6;
  const result: TailResult = { lines: 0, resumed: 0 };
  /** Failed attempts in a row without progress (the backoff), and those that count towards giving up. */
  let failures = 0;
  let refusals = 0;
  let quietEnds = 0;
  while (!deps.signal.aborted) {
    const options: LogOptions & { follow?: boolean } = { container: source.container, follow: request.follow, timestamps: true };
    // a resume point that has seen lines means: continue from there (a break, or the end of a crashed run)
    if (resume.lastTime === undefined) Object.assign(options, request.first);
    else Object.assign(options, { sinceTime: sinceTimeOf(resume.lastTime), previous: request.first.previous });
    const formatter = new LineFormatter(source, resume, deps);
    const lines = new LineBuffer();
    let broken: unknown;
    let progressed = false;
    /** Formats and writes; a promise when the sink is full (the source pauses until it resolves). */
    const emit = (segments: Segment[]): Promise<void> | undefined => {
      if (segments.length === 0) return undefined;
      const before = resume.lastKey;
      const atLast = resume.atLast;
      const { out, lines: n } = formatter.format(segments);
      if (resume.lastKey !== before || resume.atLast !== atLast) progressed = true;
      result.lines += n;
      return out.length ? deps.offer(out) : undefined;
    };
    try {
      const stream = (await deps.open(options, deps.signal)) as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
      await new Promise<void>((resolve, reject) => {
        let pending: Promise<void> | undefined;
        let ended = false;
        const destroy = () => stream.destroy?.();
        deps.signal.addEventListener('abort', destroy, { once: true });
        const finish = (error?: unknown) => {
          deps.signal.removeEventListener('abort', destroy);
          stream.removeListener('data', onData);
          if (error !== undefined) reject(error);
          else resolve();
        };
        const onData = (chunk: Buffer | string) => {
          const wait = emit(lines.push(chunk));
          if (!wait) return;
          // backpressure: stop reading this stream until stdout has room again
          stream.pause();
          pending = wait.then(() => {
            pending = undefined;
            if (!deps.signal.aborted) stream.resume();
          });
        };
        stream.on('data', onData);
        stream.once('end', () => {
          ended = true;
          void (pending ?? Promise.resolve())
            .then(() => {
              if (!deps.signal.aborted) return emit(lines.end());
            })
            .then(() => finish(), finish);
        });
        stream.once('error', (error) => finish(error));
        stream.once('close', () => {
          if (!ended) finish(deps.signal.aborted ? undefined : new Error('the log stream closed early'));
        });
      });
    } catch (error) {
      broken = error;
    }
    if (deps.signal.aborted) return result;
    if (request.follow) {
      // a follow stream also ends when the container stops; only a run still going is resumed
      const going = deps.stillRunning ? await deps.stillRunning() : broken !== undefined;
      if (!going || deps.signal.aborted) return result;
    } else if (broken === undefined) return result;
    let attempt: number;
    if (broken === undefined) {
      // ended cleanly while the container still runs (or its status lags behind): try again, quietly at
      // first; a stream that keeps ending is still followed (every 5 s at most), and that is said once
      quietEnds = progressed ? 1 : quietEnds + 1;
      if (quietEnds === maxAttempts) deps.warn?.(`the log stream of ${source.pod}/${source.container} keeps ending while it runs; asking again every 5 s`);
      attempt = quietEnds;
    } else {
      failures = progressed ? 1 : failures + 1;
      // following is meant to last until Ctrl-C: an API server that is down for a while is waited for
      if (request.follow && isTransient(broken)) refusals = progressed ? 0 : refusals;
      else refusals = progressed ? 1 : refusals + 1;
      if (refusals >= maxAttempts) {
        const why = broken instanceof Error ? broken.message : String(broken);
        deps.warn?.(`stopped reading ${source.pod}/${source.container} after ${refusals} failed attempts: ${why}`);
        return result;
      }
      attempt = failures;
    }
    await deps.sleep(backoff(attempt), deps.signal);
    result.resumed += 1;
  }
  return result;
}
