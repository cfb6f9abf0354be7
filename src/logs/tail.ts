import { advance, formatLine, resumeFilter, sinceTimeOf, splitTimestamp, type LineSource, type LogOutput, type ResumePoint } from '../core/logs.js';
import type { LogOptions } from '../kube/client.js';
import { LineSplitter } from './lines.js';

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
  write: (text: string) => Promise<void>;
  output: LogOutput;
  timestamps: boolean;
  grep?: RegExp;
  signal: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** After a follow stream ends or breaks: is the same container run still going (so the stream should resume)? */
  stillRunning?: () => Promise<boolean>;
  /** Reports a stream that broke and could not be resumed. */
  warn?: (text: string) => void;
  maxAttempts?: number;
}

export interface TailResult {
  lines: number;
  resumed: number;
}

function backoff(attempt: number): number {
  return Math.min(200 * 2 ** (attempt - 1), 5000);
}

/**
 * Streams one container's log to the sink, line by line. A stream that breaks (or that ends while
 * the container still runs) is asked for again from the last timestamp seen, and the lines already
 * passed on are dropped: resumed, not replayed.
 */
export async function tailContainer(request: TailRequest, deps: TailDeps): Promise<TailResult> {
  const { source, resume } = request;
  const maxAttempts = deps.maxAttempts ?? 6;
  const result: TailResult = { lines: 0, resumed: 0 };
  let failures = 0;
  let quietEnds = 0;
  while (!deps.signal.aborted) {
    const options: LogOptions & { follow?: boolean } = { container: source.container, follow: request.follow, timestamps: true };
    // a resume point that has seen lines means: continue from there (a break, or the end of a crashed run)
    if (resume.lastTime === undefined) Object.assign(options, request.first);
    else Object.assign(options, { sinceTime: sinceTimeOf(resume.lastTime), previous: request.first.previous });
    const keep = resumeFilter(resume);
    const splitter = new LineSplitter();
    let broken: unknown;
    let progressed = false;
    try {
      const stream = await deps.open(options, deps.signal);
      const destroy = () => (stream as { destroy?: () => void }).destroy?.();
      deps.signal.addEventListener('abort', destroy, { once: true });
      try {
        const emit = async (lines: string[]) => {
          let text = '';
          for (const raw of lines) {
            const line = splitTimestamp(raw);
            if (!keep(line.time)) continue;
            advance(resume, line.time);
            progressed = true;
            if (deps.grep && !deps.grep.test(line.message)) continue;
            text += formatLine(source, line, deps);
            result.lines += 1;
          }
          if (text) await deps.write(text);
        };
        for await (const chunk of stream as AsyncIterable<Buffer | string>) {
          await emit(splitter.push(chunk));
          if (deps.signal.aborted) break;
        }
        if (!deps.signal.aborted) await emit(splitter.end());
      } finally {
        deps.signal.removeEventListener('abort', destroy);
      }
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
      // ended cleanly while the container still runs (or its status lags behind): try again quietly
      quietEnds = progressed ? 1 : quietEnds + 1;
      if (quietEnds >= maxAttempts) return result;
      attempt = quietEnds;
    } else {
      failures = progressed ? 1 : failures + 1;
      if (failures >= maxAttempts) {
        const why = broken instanceof Error ? broken.message : String(broken);
        deps.warn?.(`stopped reading ${source.pod}/${source.container} after ${failures} failed attempts: ${why}`);
        return result;
      }
      attempt = failures;
    }
    await deps.sleep(backoff(attempt), deps.signal);
    result.resumed += 1;
  }
  return result;
}
