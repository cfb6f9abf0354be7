import { describe, expect, it } from 'vitest';
import { looksSecret, REDACTED, redactArgv, redactText } from '../../src/core/redact.js';
import { explainKubeError } from '../../src/kube/explain.js';
import { KubeApiError, KubeUnreachableError } from '../../src/kube/api-error.js';
import { positional, toolArgv } from '../../src/tools/argv.js';
import { helmReason } from '../../src/tools/helm.js';
import { releaseRefusal, namedReleaseRefusal } from '../../src/core/delete.js';

describe('redactText: credentials in URLs', () => {
  it.each([
    ['https://admin:s3cr3t@10.0.0.1:6443', 'https://REDACTED@10.0.0.1:6443'],
    ['cannot reach https://tok3n@api.example.com/x (context "lab")', 'cannot reach https://REDACTED@api.example.com/x (context "lab")'],
    ['postgres://u:p%40ss@db:5432/ml and oci://robot:pw@reg.io/charts', 'postgres://REDACTED@db:5432/ml and oci://REDACTED@reg.io/charts'],
  ])('%s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('is linear: a long value without credentials, or with many schemes, is quick', () => {
    // redactText is one pass over the text (no backtracking expression): inputs with many word
    // boundaries or many schemes. No timing here: a unit test asserts results only.
    const long = `${'a.'.repeat(64 * 1024)}://x`;
    expect(redactText(long)).toBe(long);
    const many = 'x://'.repeat(32 * 1024);
    expect(redactText(many)).toBe(many);
    expect(redactText('://u:p@h and https://u:p@h')).toBe('://u:p@h and https://REDACTED@h');
    expect(redactText(`${'a://b/'.repeat(1000)}https://u:p@h`)).toBe(`${'a://b/'.repeat(1000)}https://REDACTED@h`);
  });

  it('leaves URLs without credentials, and e-mail addresses, as they are', () => {
    for (const text of ['https://10.0.0.1:6443', 'https://charts.example.com/stable?x=a@b', 'mail me@example.com', 'nginx@sha256:abc']) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe('redactArgv: secret values in command lines', () => {
  it('--set and --set-string values whose key looks secret, in lists too; other values stay', () => {
    expect(
      redactArgv([
        'helm',
        'install',
        '--set',
        'db.password=X1',
        '--set',
        'replicas=3,auth.rootPassword=X2,name=a\\,b',
        '--set-string',
        'apiKey=X3',
        '--set=token=X4',
        '--set-json',
        'creds={"a":1}',
        '--set',
        'image.tag=1.2',
      ]),
    ).toEqual([
      'helm',
      'install',
      '--set',
      'db.password=REDACTED',
      '--set',
      'replicas=3,auth.rootPassword=REDACTED,name=a\\,b',
      '--set-string',
      'apiKey=REDACTED',
      '--set=token=REDACTED',
      '--set-json',
      'creds=REDACTED',
      '--set',
      'image.tag=1.2',
    ]);
  });

  it('--env KEY=VALUE, a command word KEY=VALUE, --password X, --token=X, URLs; names of Secrets stay', () => {
    expect(
      redactArgv([
        'mlk',
        'train',
        'j',
        '--env',
        'HF_TOKEN=X1',
        '--env',
        'EPOCHS=3',
        '--env-from-secret',
        'db-creds',
        '--',
        'env',
        'DB_PASSWORD=X2',
        'psql',
        'postgres://u:X3@db/ml',
        '--password',
        'X4',
        '--api-key=X5',
        '--no-auth',
        'data.csv',
      ]),
    ).toEqual([
      'mlk',
      'train',
      'j',
      '--env',
      'HF_TOKEN=REDACTED',
      '--env',
      'EPOCHS=3',
      '--env-from-secret',
      'db-creds',
      '--',
      'env',
      'DB_PASSWORD=REDACTED',
      'psql',
      'postgres://REDACTED@db/ml',
      '--password',
      'REDACTED',
      '--api-key=REDACTED',
      '--no-auth',
      'data.csv',
    ]);
  });

  it('which keys look secret', () => {
    for (const key of ['password', 'db.passwd', 'PGPASSWORD', 'HF_TOKEN', 'aws_secret_access_key', 'apiKey', 'credentials.json', 'basicAuth', 'SESSION_COOKIE'])
      expect(looksSecret(key), key).toBe(true);
    for (const key of ['replicas', 'image.tag', 'EPOCHS', 'model', 'resources.limits.memory']) expect(looksSecret(key), key).toBe(false);
    expect(REDACTED).toBe('REDACTED');
  });
});

describe('the cluster boundary prints no credentials of the server URL', () => {
  const identity = { context: 'lab', server: 'https://admin:s3cr3t@127.0.0.1:1', user: 'admin', namespace: 'default' };
  it('unreachable, and 401', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const unreachable = explainKubeError(new KubeUnreachableError(identity.server, refused), identity) as Error;
    expect(unreachable.message).toBe(
      'cannot reach the Kubernetes API server https://REDACTED@127.0.0.1:1 (context "lab"): connection refused (is the cluster running?)',
    );
    const other = explainKubeError(new KubeUnreachableError(identity.server, new Error('bad https://admin:s3cr3t@127.0.0.1:1/api')), identity) as Error;
    expect(other.message).not.toContain('s3cr3t');
    const denied = explainKubeError(new KubeApiError(401, { message: 'Unauthorized' }, 'GET', '/api'), identity) as Error;
    expect(denied.message).toContain('the cluster https://REDACTED@127.0.0.1:1 rejected');
    expect(denied.message).not.toContain('s3cr3t');
  });

  it("helm's reason is redacted too (it repeats a repository URL as given)", () => {
    expect(helmReason('Error: looks like "https://robot:pw@charts.example.com" is not a valid chart repository\n')).toBe(
      'looks like "https://REDACTED@charts.example.com" is not a valid chart repository',
    );
  });
});

describe('positional values for helm and kubectl', () => {
  it('come after -- and are refused when they start with -', () => {
    expect(toolArgv(['uninstall'], ['--namespace', 'ml'], [['web', 'RELEASE']])).toEqual(['uninstall', '--namespace', 'ml', '--', 'web']);
    expect(() => positional('--post-renderer=/tmp/x.sh', 'CHART')).toThrow(`CHART "--post-renderer=/tmp/x.sh" starts with '-'`);
    expect(() => toolArgv(['install'], [], [['-x', 'RELEASE']])).toThrow(/RELEASE "-x" starts with '-'/);
    expect(positional('./chart', 'CHART')).toBe('./chart');
  });
});

describe('which release mlk delete may uninstall for NAME', () => {
  const mlkObjects = (labels: Record<string, string>) =>
    `---\n# Source: web/templates/deployment.yaml\n${JSON.stringify({ kind: 'Deployment', metadata: { name: 'web', labels } })}\n`;
  const mine = { 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/managed-by': 'mlk', 'mlk.dev/helm-release': 'web' };
  const mlkChart = { 'mlk.dev/generated-by': 'mlk' };
  it('the release mlk installed for NAME', () => {
    expect(releaseRefusal('web', 'web', { chartAnnotations: mlkChart, manifest: mlkObjects(mine) })).toBeUndefined();
    expect(
      releaseRefusal('web', 'web', {
        chartAnnotations: mlkChart,
        manifest: mlkObjects({ ...mine, 'app.kubernetes.io/managed-by': 'Helm' }),
      }),
    ).toBeUndefined();
  });
  it('anything else, with the reason', () => {
    expect(releaseRefusal('web', 'web', {})).toBe('helm knows no such release in this namespace');
    expect(releaseRefusal('web', 'web', { chartAnnotations: {}, manifest: mlkObjects(mine) })).toMatch(/not written by mlk/);
    expect(releaseRefusal('web', 'api', { chartAnnotations: mlkChart, manifest: mlkObjects(mine) })).toBe(
      "Deployment/web in it does not carry mlk's labels for api",
    );
    expect(releaseRefusal('web', 'web', { chartAnnotations: mlkChart, manifest: mlkObjects({ 'app.kubernetes.io/instance': 'web' }) })).toMatch(
      /does not carry/,
    );
    const obj = (instance: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: instance, labels: { 'app.kubernetes.io/instance': instance } } });
    expect(namedReleaseRefusal({ release: '--kube-context=x', objects: [obj('web')], names: ['web'] })).toBe(
      'service/web names it, and that is not a valid Helm release name',
    );
    expect(namedReleaseRefusal({ release: 'db', objects: [obj('web'), obj('api')], names: ['web', 'api'] })).toMatch(/objects of web and api name it/);
  });
});
