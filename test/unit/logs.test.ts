import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import {
  advance,
  formatLine,
  labelSelectorString,
  newResumePoint,
  podColour,
  podView,
  resumeFilter,
  sinceTimeOf,
  splitTimestamp,
  timeKey,
  validateLogsOptions,
} from '../../src/core/logs.js';
import { LineBuffer, type Segment } from '../../src/actions/logs/lines.js';

const base = { namespace: 'default' };

describe('validateLogsOptions', () => {
  it('reads NAME, KIND/NAME and -l', () => {
    expect(validateLogsOptions({ ...base, target: 'tf-model-server' }).target).toEqual({ kind: 'mlk', name: 'tf-model-server' });
    expect(validateLogsOptions({ ...base, target: 'deployment/web' }).target).toEqual({ kind: 'Deployment', name: 'web' });
    expect(validateLogsOptions({ ...base, target: 'job/train-1' }).target).toEqual({ kind: 'Job', name: 'train-1' });
    expect(validateLogsOptions({ ...base, selector: 'app=web,tier in (a,b)' }).target).toEqual({ kind: 'selector', selector: 'app=web,tier in (a,b)' });
  });

  it('has sensible defaults', () => {
    const o = validateLogsOptions({ ...base, target: 'x' });
    expect(o).toMatchObject({ follow: false, timestamps: false, allContainers: false, previous: false, maxLogRequests: 50, output: 'text' });
    expect(o.sinceSeconds).toBeUndefined();
    expect(o.tail).toBeUndefined();
  });

  it('converts --since and --tail', () => {
    const o = validateLogsOptions({ ...base, target: 'x', since: '1h30m', tail: '20' });
    expect(o.sinceSeconds).toBe(5400);
    expect(o.tail).toBe(20);
    expect(validateLogsOptions({ ...base, target: 'x', tail: '-1' }).tail).toBeUndefined();
  });

  it.each([
    [{}, 'NAME is required'],
    [{ target: 'x', selector: 'a=b' }, 'not both'],
    [{ target: 'pod/x' }, 'deployment/NAME'],
    [{ target: 'x', container: 'a', allContainers: true }, '--all-containers'],
    [{ target: 'x', since: 'yesterday' }, '--since'],
    [{ target: 'x', tail: 'ten' }, '--tail'],
    [{ target: 'x', grep: '(' }, '--grep'],
    [{ target: 'x', maxLogRequests: '0' }, '--max-log-requests'],
    [{ target: 'x', output: 'yaml' }, '--output'],
    [{ selector: 'a=b;rm' }, '--selector'],
  ])('rejects %j naming the flag', (input, flag) => {
    expect(() => validateLogsOptions({ ...base, ...input })).toThrowError(UsageError);
    expect(() => validateLogsOptions({ ...base, ...input })).toThrowError(flag);
  });
});

describe('timestamps and resume points', () => {
  it('splits the timestamp the server puts before a line', () => {
    expect(splitTimestamp('2026-11-29T09:24:41.342391Z hello world')).toEqual({ time: '2026-11-29T09:24:41.342391Z', message: 'hello world' });
    expect(splitTimestamp('no stamp here')).toEqual({ message: 'no stamp here' });
    expect(splitTimestamp('2026-11-29T09:24:41Z ')).toEqual({ time: '2026-11-29T09:24:41Z', message: '' });
  });

  it('orders RFC3339Nano times whose trailing zeros were dropped', () => {
    expect(timeKey('2026-01-01T00:00:01.5Z') > timeKey('2026-01-01T00:00:01.123456789Z')).toBe(true);
    expect(timeKey('2026-01-01T00:00:01Z') < timeKey('2026-01-01T00:00:01.000000001Z')).toBe(true);
    expect(timeKey('2026-01-01T02:00:01+02:00')).toBe(timeKey('2026-01-01T00:00:01Z'));
    expect(sinceTimeOf('2026-01-01T00:00:01.987Z')).toBe('2026-01-01T00:00:01Z');
  });

  it('drops exactly the lines already seen, including repeats of the last timestamp', () => {
    const point = newResumePoint();
    for (const t of ['2026-01-01T00:00:01.1Z', '2026-01-01T00:00:01.2Z', '2026-01-01T00:00:01.2Z']) advance(point, t);
    expect(point).toMatchObject({ lastTime: '2026-01-01T00:00:01.2Z', atLast: 2 });
    const keep = resumeFilter(point);
    const replay = [
      '2026-01-01T00:00:01.1Z',
      '2026-01-01T00:00:01.2Z',
      '2026-01-01T00:00:01.2Z',
      '2026-01-01T00:00:01.2Z',
      '2026-01-01T00:00:01.1Z',
      '2026-01-01T00:00:02Z',
    ];
    // the third .2 line is new; once caught up every line passes, even one that looks older
    expect(replay.map((t) => keep(t))).toEqual([false, false, false, true, true, true]);
  });
});

describe('prefixes and colours', () => {
  it('gives a pod the same colour every time', () => {
    expect(podColour('web-6d8f-abcde')).toBe(podColour('web-6d8f-abcde'));
    const colours = new Set(Array.from({ length: 40 }, (_, i) => podColour(`web-${i}`)));
    expect(colours.size).toBeGreaterThan(3);
  });

  it('prefixes [pod] or [pod/container], with the time when asked, and colours only the prefix', () => {
    const line = { time: '2026-01-01T00:00:01Z', message: 'ready' };
    expect(formatLine({ pod: 'p', container: 'c', showContainer: false }, line, { output: 'text', timestamps: false })).toBe('[p] ready\n');
    expect(formatLine({ pod: 'p', container: 'c', showContainer: true }, line, { output: 'text', timestamps: true })).toBe(
      '[p/c] 2026-01-01T00:00:01Z ready\n',
    );
    expect(formatLine({ pod: 'p', container: 'c', showContainer: false, paint: (t) => `<${t}>` }, line, { output: 'text', timestamps: false })).toBe(
      '<[p]> ready\n',
    );
    expect(JSON.parse(formatLine({ pod: 'p', container: 'c', showContainer: false }, line, { output: 'json', timestamps: false }))).toEqual({
      pod: 'p',
      container: 'c',
      time: '2026-01-01T00:00:01Z',
      message: 'ready',
    });
  });
});

describe('LineBuffer', () => {
  const lines = (segments: Segment[]) => segments.flatMap((g) => g.buf.subarray(g.start, g.end).toString('utf8').split('\n').filter(Boolean));

  it('keeps partial lines until their newline, and never splits a UTF-8 character', () => {
    const b = new LineBuffer();
    const bytes = Buffer.from('héllo\nwörld\r\npart');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...lines(b.push(bytes.subarray(i, i + 1))));
    expect(out).toEqual(['héllo', 'wörld\r']);
    expect(lines(b.end())).toEqual(['part']);
  });

  it('bounds a line that never ends', () => {
    const b = new LineBuffer(10);
    expect(lines(b.push('x'.repeat(5)))).toEqual([]);
    expect(b.buffered).toBe(5);
    expect(lines(b.push('x'.repeat(20)))).toEqual(['x'.repeat(25)]);
    expect(b.buffered).toBe(0);
    expect(lines(b.push('abc\ndef\ngh'))).toEqual(['abc', 'def']);
    expect(lines(b.push('i\n'))).toEqual(['ghi']);
  });
});

describe('pods, containers and jobs', () => {
  const pod = (extra: any = {}) => ({
    metadata: { name: 'p', uid: 'u', ...extra.metadata },
    spec: { initContainers: [{ name: 'init' }], containers: [{ name: 'main' }, { name: 'sidecar' }] },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 0 } } }],
      containerStatuses: [
        { name: 'main', restartCount: 2, state: { running: {} } },
        { name: 'sidecar', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    },
  });

  it('reads the default container, one by name, or all of them', () => {
    expect(podView(pod(), {}).containers.map((c) => c.name)).toEqual(['main']);
    expect(podView(pod({ metadata: { annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' } } }), {}).containers.map((c) => c.name)).toEqual([
      'sidecar',
    ]);
    expect(podView(pod(), { allContainers: true }).containers.map((c) => [c.name, c.state, c.readable])).toEqual([
      ['init', 'terminated', true],
      ['main', 'running', true],
      ['sidecar', 'waiting', false],
    ]);
    expect(podView(pod(), { container: 'nope' })).toMatchObject({ containers: [], missing: 'nope' });
    expect(podView(pod(), {}).containers[0]!.restartCount).toBe(2);
  });

  it('reads label selectors', () => {
    expect(
      labelSelectorString({
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe('app=web,tier in (a,b),!x');
  });
});
