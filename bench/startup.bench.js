// Startup: medians of `mlk --help` and a model dry-run, next to kubectl's equivalents in the same run.
import { spawnSync } from 'node:child_process';
import { kubectl, mlk } from './tools.js';

const runs = Number(process.env.BENCH_RUNS ?? 21);
const env = { ...process.env, KUBECONFIG: '/nonexistent', HOME: '/nonexistent', NO_COLOR: '1' };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(file, args) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= 2) samples.push(ms); // the first two warm the page cache and the compile cache
  }
  return median(samples);
}

const cases = [
  ['--help', [...mlk, '--help'], [kubectl, '--help'], 1.2],
  [
    'dry-run -o yaml',
    [
      ...mlk,
      'deploy',
      'model',
      'tf-model-server',
      '--server',
      'tf-serving',
      '--model',
      'my_model',
      '--model-pvc',
      'model-pvc',
      '--replicas',
      '2',
      '--dry-run',
      '-o',
      'yaml',
    ],
    [kubectl, 'create', 'deployment', 'tf-model-server', '--image', 'tensorflow/serving', '--replicas', '2', '--dry-run=client', '-o', 'yaml'],
    1.5,
  ],
];

console.log(`median of ${runs} runs each; kubectl: ${kubectl}`);
console.log('case               mlk ms   kubectl ms   ratio   target');
for (const [name, ours, theirs, target] of cases) {
  const a = time(ours[0], ours.slice(1));
  const b = time(theirs[0], theirs.slice(1));
  const ratio = a / b;
  console.log(
    `${name.padEnd(17)} ${a.toFixed(1).padStart(7)} ${b.toFixed(1).padStart(12)} ${ratio.toFixed(2).padStart(7)}x   <= ${target}x ${ratio <= target ? 'ok' : 'MISSED'}`,
  );
}
