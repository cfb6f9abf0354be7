import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * test/cluster/up.sh prints one line on stdout that points KUBECONFIG, MLK_KUBECTL and MLK_HELM at
 * the local cluster (`eval "$(bash test/cluster/up.sh)"`). Starting the cluster is too heavy for
 * this tier, so this checks the function that prints the line (env_line in test/cluster/lib.sh).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function bash(script: string, env: Record<string, string>): string {
  return execFileSync('bash', ['-c', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...env },
    encoding: 'utf8',
  });
}

describe('test/cluster/lib.sh env_line', () => {
  const env = { MLK_CLUSTER_STATE: '/tmp/mlk cluster state', MLK_CLUSTER_CACHE: '/opt/mlk-cache' };

  it('is one export line of KUBECONFIG, MLK_KUBECTL and MLK_HELM', () => {
    const line = bash('set -euo pipefail; . test/cluster/lib.sh; env_line', env);
    expect(line.split('\n')).toEqual([expect.stringMatching(/^export KUBECONFIG=\S.* MLK_KUBECTL=\S+ MLK_HELM=\S+$/), '']);
  });

  it('eval of it sets the three variables to the cluster files, also for a path with a space', () => {
    const out = bash(
      'set -euo pipefail; line="$(. test/cluster/lib.sh; env_line)"; eval "$line"; printf "%s\\n" "$KUBECONFIG" "$MLK_KUBECTL" "$MLK_HELM"',
      env,
    );
    const [kubeconfig, kubectl, helm] = out.trimEnd().split('\n');
    expect(kubeconfig).toBe('/tmp/mlk cluster state/kubeconfig');
    expect(kubectl).toMatch(/^\/opt\/mlk-cache\/clients-[^/]+\/kubectl$/);
    expect(helm).toBe(kubectl!.replace(/kubectl$/, 'helm'));
  });

  it('is what up.sh prints on stdout, when it starts the cluster and when it is already up', () => {
    const up = readFileSync(`${ROOT}/test/cluster/up.sh`, 'utf8');
    expect(up.match(/^\s*env_line$/gm)).toHaveLength(2);
    expect(up).not.toMatch(/echo "export /);
  });
});
