import { PassThrough, Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MlkError } from '../../src/core/errors.js';
import { newResumePoint } from '../../src/core/logs.js';
import type { LogOptions } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/core/kube-object.js';
import { LogsEngine, type EngineDeps, type EngineOptions } from '../../src/actions/logs/follow.js';
import { LineSink } from '../../src/actions/logs/sink.js';
import { tailContainer } from '../../src/actions/logs/tail.js';

/** One response of a fake log endpoint: chunks (sent one per turn of the event loop), then end or break. */
interface Attempt {
  chunks: string[];
  /** Break the stream with this error after the chunks (a dropped connection). */
  fail?: string;
  /** Stay open after the chunks (a follow stream) until aborted. */
  hold?: boolean;
}

interface Request {
  pod: string;
  options: LogOptions & { follow?: boolean };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

/** A fake log endpoint: per pod (or pod/container) a script of attempts; records every request. */
function scripted(scripts: Record<string, Attempt[]>) {
  const requests: Request[] = [];
  const open = async (pod: string, options: LogOptions & { follow?: boolean }, signal: AbortSignal): Promise<NodeJS.ReadableStream> => {
    requests.push({ pod, options: { ...options } });
    const key = scripts[`${pod}/${options.container}`] ? `${pod}/${options.container}` : pod;
    const attempt = scripts[key]?.shift() ?? { chunks: [] };
    const stream = new PassThrough();
    (async () => {
      for (const chunk of attempt.chunks) {
        await turn();
        if (signal.aborted) return;
        stream.write(chunk);
      }
      await turn();
      if (attempt.fail) stream.destroy(new Error(attempt.fail));
      else if (!attempt.hold) stream.end();
    })();
    return stream;
  };
  return { open, requests };
}

function collector() {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, cb) {
      text += chunk;
      cb();
    },
  });
  return { out, text: () => text, lines: () => text.split('\n').filter(Boolean) };
}

const T = (s: number, frac = '') => `2026-01-01T00:00:${String(s).padStart(2, '0')}${frac}Z`;
const stamped = (s: number, msg: string, frac = '') => `${T(s, frac)} ${msg}\n`;

function pod(name: string, o: { restartCount?: number; state?: 'running' | 'terminated' | 'waiting'; containers?: string[]; uid?: string } = {}): KubeObject {
  const containers = o.containers ?? ['main'];
  const state = o.state ?? 'running';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, uid: o.uid ?? `uid-${name}`, namespace: 'default' },
    spec: { containers: containers.map((c) => ({ name: c })) },
    status: { phase: 'Running', containerStatuses: containers.map((c) => ({ name: c, restartCount: o.restartCount ?? 0, state: { [state]: {} } })) },
  };
}

const OPTIONS: EngineOptions = { follow: false, timestamps: false, allContainers: false, previous: false, maxLogRequests: 50, output: 'text' };

function engine(o: Partial<EngineOptions>, deps: Partial<EngineDeps> & Pick<EngineDeps, 'listPods' | 'open'>, out = collector()) {
  const warnings: string[] = [];
  const e = new LogsEngine(
    { ...OPTIONS, ...o },
    {
      getPod: async () => undefined,
      sink: new LineSink(out.out),
      sleep: () => turn(),
      warn: (t) => warnings.push(t),
      info: () => {},
      graceMs: 0,
      ...deps,
    },
  );
  return { e, out, warnings };
}

describe('the multiplexer', () => {
  it('prints every pod, lines in order within a pod, each prefixed with its pod', async () => {
    const lines = (p: string) => Array.from({ length: 20 }, (_, i) => stamped(i, `${p} line ${i}`));
    const fake = scripted({ a: [{ chunks: lines('a') }], b: [{ chunks: lines('b') }] });
    const { e, out } = engine({}, { listPods: async () => [pod('a'), pod('b')], open: fake.open });
    const result = await e.run();
    expect(result).toMatchObject({ stop: 'done', streams: 2, lines: 40 });
    for (const p of ['a', 'b']) {
      expect(out.lines().filter((l) => l.startsWith(`[${p}] `))).toEqual(Array.from({ length: 20 }, (_, i) => `[${p}] ${p} line ${i}`));
    }
    // both pods were read at once, not one after the other
    const firstB = out.lines().findIndex((l) => l.startsWith('[b]'));
    const lastA = out.lines().findLastIndex((l) => l.startsWith('[a]'));
    expect(firstB).toBeLessThan(lastA);
    expect(fake.requests.every((r) => r.options.timestamps === true && r.options.follow === false)).toBe(true);
  });

  it('never interleaves lines: chunks cut mid-line from two streams come out whole', async () => {
    const text = (p: string) => Array.from({ length: 30 }, (_, i) => stamped(i, `${p}-${i} ${'x'.repeat(i)}`)).join('');
    const cut = (s: string) => s.match(/.{1,7}/gs)!; // 7-byte chunks: almost every chunk ends inside a line
    const fake = scripted({ a: [{ chunks: cut(text('a')) }], b: [{ chunks: cut(text('b')) }] });
    const { e, out } = engine({}, { listPods: async () => [pod('a'), pod('b')], open: fake.open });
    await e.run();
    expect(out.lines()).toHaveLength(60);
    for (const line of out.lines()) expect(line).toMatch(/^\[(a|b)\] \1-(\d+) x*$/);
    for (const line of out.lines()) {
      const [, , i, xs] = /^\[(a|b)\] \1-(\d+) (x*)$/.exec(line)!;
      expect(xs!.length).toBe(Number(i));
    }
    for (const p of ['a', 'b'])
      expect(
        out
          .lines()
          .filter((l) => l.startsWith(`[${p}]`))
          .map((l) => Number(/-(\d+)/.exec(l)![1])),
      ).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('names the container when a pod shows more than one', async () => {
    const fake = scripted({ 'p/main': [{ chunks: [stamped(1, 'from main')] }], 'p/side': [{ chunks: [stamped(1, 'from side')] }] });
    const { e, out } = engine({ allContainers: true }, { listPods: async () => [pod('p', { containers: ['main', 'side'] })], open: fake.open });
    await e.run();
    expect(out.lines().sort()).toEqual(['[p/main] from main', '[p/side] from side']);
  });

  it('drops a carriage return, keeps lines without a timestamp and a last line without a newline', async () => {
    const fake = scripted({ a: [{ chunks: [`${T(1)} windows line\r\n`, 'no stamp here\n', `${T(2)} `, 'unfinished'] }] });
    const { e, out } = engine({}, { listPods: async () => [pod('a')], open: fake.open });
    await e.run();
    expect(out.text()).toBe('[a] windows line\n[a] no stamp here\n[a] unfinished\n');
  });

  it('applies --grep to the message, --timestamps and -o json', async () => {
    const chunks = [stamped(1, 'INFO ok', '.5'), stamped(2, 'ERROR bad')];
    const text = scripted({ a: [{ chunks: [...chunks] }] });
    const t = engine({ grep: /ERROR/, timestamps: true }, { listPods: async () => [pod('a')], open: text.open });
    await t.e.run();
    expect(t.out.lines()).toEqual([`[a] ${T(2)} ERROR bad`]);
    const json = scripted({ a: [{ chunks: [...chunks] }] });
    const j = engine({ output: 'json' }, { listPods: async () => [pod('a')], open: json.open });
    await j.e.run();
    expect(j.out.lines().map((l) => JSON.parse(l))).toEqual([
      { pod: 'a', container: 'main', time: T(1, '.5'), message: 'INFO ok' },
      { pod: 'a', container: 'main', time: T(2), message: 'ERROR bad' },
    ]);
  });

  it('--previous reads the previous run of restarted containers only; -c names pods without that container', async () => {
    const fake = scripted({ crashed: [{ chunks: [stamped(1, 'Traceback: boom')] }] });
    const infos: string[] = [];
    const { e, out } = engine(
      { previous: true },
      {
        listPods: async () => [pod('crashed', { restartCount: 3 }), pod('fine')],
        open: fake.open,
        info: (t) => infos.push(t),
      },
    );
    await e.run();
    expect(out.lines()).toEqual(['[crashed] Traceback: boom']);
    expect(fake.requests.map((r) => [r.pod, r.options.previous])).toEqual([['crashed', true]]);
    expect(infos).toEqual(['fine has not restarted: no previous logs']);

    const other = engine({ container: 'sidecar' }, { listPods: async () => [pod('p', { containers: ['main'] })], open: scripted({}).open });
    await other.e.run();
    expect(other.warnings).toEqual(['pod p has no container sidecar (its containers: main)']);
  });

  it('reads at most --max-log-requests streams at once without -f, and all of them', async () => {
    let open = 0;
    let peak = 0;
    const inner = scripted(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`p${i}`, [{ chunks: [stamped(1, `hi ${i}`), stamped(2, 'bye')] }]])));
    const { e, out } = engine(
      { maxLogRequests: 3 },
      {
        listPods: async () => Array.from({ length: 7 }, (_, i) => pod(`p${i}`)),
        open: async (p, o, s) => {
          open += 1;
          peak = Math.max(peak, open);
          const stream = await inner.open(p, o, s);
          stream.on('end', () => (open -= 1));
          return stream;
        },
      },
    );
    await e.run();
    expect(peak).toBe(3);
    expect(out.lines()).toHaveLength(14);
  });
});

describe('resume after a break', () => {
  it('asks again from the last timestamp and drops what was already printed: no duplicates, no gaps', async () => {
    const all = [stamped(1, 'one', '.1'), stamped(1, 'two', '.2'), stamped(1, 'two again', '.2'), stamped(2, 'three'), stamped(3, 'four'), stamped(3, 'five')];
    // first attempt: three lines and half of the fourth, then the connection drops
    const first = { chunks: [all[0]!, all[1]!, all[2]!.slice(0, 10)], fail: 'socket hang up' };
    // the server answers sinceTime (whole seconds) with everything from that second on
    const second = { chunks: [all.join('')] };
    const fake = scripted({ a: [first, second] });
    const { e, out, warnings } = engine({ follow: false, tail: 100 }, { listPods: async () => [pod('a')], open: fake.open });
    const result = await e.run();
    expect(out.lines()).toEqual(['[a] one', '[a] two', '[a] two again', '[a] three', '[a] four', '[a] five']);
    expect(result.resumed).toBe(1);
    expect(warnings).toEqual([]);
    expect(fake.requests[0]!.options).toMatchObject({ tailLines: 100, timestamps: true });
    expect(fake.requests[1]!.options.sinceTime).toBe('2026-01-01T00:00:01Z');
    expect(fake.requests[1]!.options.tailLines).toBeUndefined();
  });

  it('resumes a follow stream that ended while its container still runs, and stops when it does not', async () => {
    const fake = scripted({ a: [{ chunks: [stamped(1, 'one')] }, { chunks: [stamped(1, 'one'), stamped(2, 'two')] }] });
    let running = true;
    const out = collector();
    const r = await tailContainer(
      { source: { pod: 'a', container: 'main', showContainer: false }, follow: true, first: { tailLines: 5 }, resume: newResumePoint() },
      {
        open: (o, s) => fake.open('a', o, s),
        offer: (t) => void out.out.write(t),
        output: 'text',
        timestamps: false,
        signal: new AbortController().signal,
        sleep: () => turn(),
        stillRunning: async () => {
          const was = running;
          running = false; // the second stream ends because the container stopped
          return was;
        },
      },
    );
    expect(out.lines()).toEqual(['[a] one', '[a] two']);
    expect(r).toEqual({ lines: 2, resumed: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up with a warning after repeated failures without progress', async () => {
    const fake = scripted({ a: Array.from({ length: 10 }, () => ({ chunks: [], fail: 'connection refused' })) });
    const { e, warnings } = engine({}, { listPods: async () => [pod('a')], open: fake.open });
    await e.run();
    expect(fake.requests).toHaveLength(6);
    expect(warnings).toEqual(['stopped reading a/main after 6 failed attempts: connection refused']);
  });

  /** tailContainer following one container whose log endpoint answers with these, one per request. */
  async function followThrough(answers: (string[] | Error)[], running: (requests: number) => boolean) {
    const out = collector();
    const warnings: string[] = [];
    const slept: number[] = [];
    const requests: (LogOptions & { follow?: boolean })[] = [];
    const r = await tailContainer(
      { source: { pod: 'a', container: 'main', showContainer: false }, follow: true, first: {}, resume: newResumePoint() },
      {
        open: async (options) => {
          requests.push({ ...options });
          const answer = answers.shift() ?? [];
          if (answer instanceof Error) throw answer;
          return Readable.from(answer);
        },
        offer: (t) => void out.out.write(t),
        output: 'text',
        timestamps: false,
        signal: new AbortController().signal,
        sleep: async (ms) => void slept.push(ms),
        warn: (w) => void warnings.push(w),
        stillRunning: async () => running(requests.length),
      },
    );
    return { r, lines: out.lines(), warnings, slept, requests };
  }

  it('following, an API server that stays unreachable for longer than 6 attempts is waited for (every 5 s at most), then resumed', async () => {
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
    const unavailable = () => Object.assign(new Error('the server is currently unable to handle the request'), { statusCode: 503 });
    const answers = [
      [stamped(1, 'one'), stamped(1, 'two')],
      ...Array.from({ length: 10 }, refused),
      unavailable(),
      [stamped(1, 'one'), stamped(1, 'two'), stamped(2, 'three')],
    ];
    const total = answers.length;
    // the container runs until the last stream ended
    const f = await followThrough(answers, (requests) => requests < total);
    expect(f.lines).toEqual(['[a] one', '[a] two', '[a] three']);
    expect(f.warnings).toEqual([]);
    expect(f.requests).toHaveLength(total);
    expect(f.requests.at(-1)!.sinceTime).toBe('2026-01-01T00:00:01Z');
    expect(Math.max(...f.slept)).toBe(5000);
  });

  it('following, a stream that keeps ending while the container runs is still followed, and that is said once', async () => {
    const answers = [[stamped(1, 'one')], ...Array.from({ length: 9 }, () => [stamped(1, 'one')]), [stamped(1, 'one'), stamped(2, 'two')]];
    const total = answers.length;
    const f = await followThrough(answers, (requests) => requests < total);
    expect(f.lines).toEqual(['[a] one', '[a] two']);
    expect(f.requests).toHaveLength(total);
    expect(f.warnings).toEqual(['the log stream of a/main keeps ending while it runs; asking again every 5 s']);
    expect(Math.max(...f.slept)).toBe(5000);
  });

  it('following, a failure that is not transient still gives up after 6 attempts without progress', async () => {
    const notFound = () => Object.assign(new Error('container "main" in pod "a" is not available'), { statusCode: 400 });
    const f = await followThrough([[stamped(1, 'one')], ...Array.from({ length: 10 }, notFound)], () => true);
    expect(f.lines).toEqual(['[a] one']);
    expect(f.requests).toHaveLength(7);
    expect(f.warnings).toEqual(['stopped reading a/main after 6 failed attempts: container "main" in pod "a" is not available']);
  });
});

describe('backpressure', () => {
  it('stops reading sources while stdout is full, so buffered data stays bounded', async () => {
    const line = `${T(1)} ${'y'.repeat(200)}\n`;
    const chunk = line.repeat(64); // ~13 KB per chunk
    const total = 400; // ~5 MB per source
    let produced = 0; // lines read from the sources
    let consumed = 0; // lines the slow stdout took
    let maxGap = 0;
    let maxBuffered = 0; // bytes waiting in stdout's own buffer
    const source = () => {
      let n = 0;
      return new Readable({
        highWaterMark: 16 * 1024,
        read() {
          if (n++ >= total) return void this.push(null);
          produced += 64;
          maxGap = Math.max(maxGap, produced - consumed);
          maxBuffered = Math.max(maxBuffered, slow.writableLength);
          this.push(chunk);
        },
      });
    };
    // a slow consumer: one chunk per turn of the event loop
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(c, _e, cb) {
        consumed += String(c).split('\n').length - 1;
        setImmediate(cb);
      },
    });
    const { e } = engine(
      {},
      { listPods: async () => [pod('a'), pod('b'), pod('c')], open: async () => source() },
      { out: slow, text: () => '', lines: () => [] },
    );
    const result = await e.run();
    expect(result.lines).toBe(3 * total * 64);
    expect(produced).toBe(3 * total * 64);
    // 15 MB went through; at any time at most a few chunks per source (~13 KB each) were waiting in between
    expect(maxGap).toBeLessThan(3 * 64 * 8);
    expect(maxBuffered).toBeLessThan(256 * 1024); // without backpressure: the whole 15 MB
  });

  it('ends quietly when stdout closes', async () => {
    const fake = scripted({ a: [{ chunks: [stamped(1, 'x')], hold: true }] });
    const out = new PassThrough();
    const { e } = engine(
      { follow: true },
      { listPods: async () => [pod('a')], open: fake.open, sleep: () => new Promise((r) => setTimeout(r, 5)) },
      { out, text: () => '', lines: () => [] },
    );
    out.once('data', () => out.destroy());
    const result = await e.run();
    expect(result.stop).toBe('closed');
  });
});

describe('following (-f)', () => {
  it('refuses more streams than --max-log-requests, naming the flag', async () => {
    const fake = scripted({});
    const { e } = engine({ follow: true, maxLogRequests: 2 }, { listPods: async () => [pod('a'), pod('b'), pod('c')], open: fake.open });
    const error = await e.run().catch((err) => err);
    expect(error).toBeInstanceOf(MlkError);
    expect(error.message).toBe('you are attempting to follow 3 log streams, but the maximum allowed concurrency is 2');
    expect(error.hint).toContain('--max-log-requests 3');
    expect(fake.requests).toEqual([]);
  });

  it('follows pods that appear, ends streams of pods that go away, and stops with the Job', async () => {
    let tick = 0;
    const fake = scripted({
      a: [{ chunks: [stamped(1, 'a starts')], hold: true }],
      b: [{ chunks: [stamped(5, 'b starts')], hold: true }],
      c: [{ chunks: [stamped(6, 'c starts')], hold: true }],
    });
    // c is there from the start but pending; it starts on the third look, and still gets --tail
    const pods = () => (tick < 2 ? [pod('a'), pod('c', { state: 'waiting' })] : tick < 4 ? [pod('a'), pod('b'), pod('c')] : [pod('b'), pod('c')]);
    const job = () => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      status: tick >= 6 ? { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } : {},
    });
    const { e, out } = engine(
      { follow: true, tail: 10, sinceSeconds: 60 },
      {
        listPods: async () => pods(),
        getJob: async () => job(),
        open: fake.open,
        sleep: async () => {
          await new Promise((r) => setTimeout(r, 5));
          tick += 1;
        },
      },
    );
    const result = await e.run();
    expect(result.stop).toBe('job');
    expect(result.job).toEqual({ outcome: 'failed', reason: 'BackoffLimitExceeded' });
    expect(out.lines().sort()).toEqual(['[a] a starts', '[b] b starts', '[c] c starts']);
    // the pods there at the start got --tail; the one that appeared later its whole log (--since still applies)
    expect(fake.requests.map((r) => [r.pod, r.options.follow, r.options.tailLines, r.options.sinceSeconds]).sort()).toEqual([
      ['a', true, 10, 60],
      ['b', true, undefined, 60],
      ['c', true, 10, 60],
    ]);
  });

  it('follows a restarted container again, with the end of the crashed run under --previous', async () => {
    let tick = 0;
    const fake = scripted({
      a: [
        { chunks: [stamped(1, 'run 1 starts'), stamped(2, 'working')] }, // ends: the container crashed
        { chunks: [stamped(2, 'working'), stamped(3, 'Traceback: boom')] }, // previous run, resumed
        { chunks: [stamped(9, 'run 2 starts')], hold: true },
      ],
    });
    const { e, out } = engine(
      { follow: true, previous: true },
      {
        listPods: async () => [pod('a', { restartCount: tick >= 2 ? 1 : 0 })],
        getPod: async () => pod('a', { restartCount: 1 }),
        open: fake.open,
        sleep: async (_ms, signal) => {
          await new Promise((r) => setTimeout(r, 5));
          tick += 1;
          if (tick > 5 && !signal?.aborted) controller.abort();
        },
        signal: undefined,
      },
    );
    const controller = new AbortController();
    (e as unknown as { deps: EngineDeps }).deps.signal = controller.signal;
    const result = await e.run();
    expect(result.stop).toBe('interrupted');
    expect(out.lines()).toEqual(['[a] run 1 starts', '[a] working', '[a] Traceback: boom', '[a] run 2 starts']);
    expect(fake.requests.map((r) => [r.options.previous ?? false, r.options.follow, r.options.sinceTime])).toEqual([
      [false, true, undefined],
      [true, false, '2026-01-01T00:00:02Z'],
      [false, true, undefined],
    ]);
  });

  it('Ctrl-C ends every stream', async () => {
    const controller = new AbortController();
    const fake = scripted({ a: [{ chunks: [stamped(1, 'x')], hold: true }], b: [{ chunks: [stamped(1, 'y')], hold: true }] });
    const streams: NodeJS.ReadableStream[] = [];
    const { e, out } = engine(
      { follow: true },
      {
        listPods: async () => [pod('a'), pod('b')],
        open: async (p, o, s) => {
          const st = await fake.open(p, o, s);
          streams.push(st);
          return st;
        },
        signal: controller.signal,
        sleep: (_ms, signal) =>
          new Promise((r) => {
            const t = setTimeout(r, 1000);
            signal?.addEventListener('abort', () => {
              clearTimeout(t);
              r(undefined);
            });
          }),
      },
    );
    setTimeout(() => controller.abort(), 30);
    const result = await e.run();
    expect(result.stop).toBe('interrupted');
    expect(out.lines().sort()).toEqual(['[a] x', '[b] y']);
    expect(streams.every((s) => (s as PassThrough).destroyed)).toBe(true);
  });
});
