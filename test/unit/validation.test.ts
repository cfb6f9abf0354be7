import { describe, expect, it } from 'vitest';
import { validateDeployOptions, type DeployInput } from '../../src/core/deploy.js';
import { parseDuration } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';
import { validateTrainOptions } from '../../src/core/train.js';
import { isLabelValue, isName, nameProblem, quantityValue, validateAnnotations, validateName, validateQuantity } from '../../src/core/validate.js';
import { run } from '../support/harness.js';

function input(overrides: Partial<DeployInput>): DeployInput {
  return {
    kind: 'app',
    name: 'web',
    image: 'nginx',
    namespace: 'default',
    ports: [],
    env: [],
    envFromSecret: [],
    args: [],
    gpuResource: 'nvidia.com/gpu',
    ...overrides,
  };
}

function usageMessage(overrides: Partial<DeployInput>): string {
  try {
    validateDeployOptions(input(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('deploy input validation', () => {
  it.each([
    ['Web', 'NAME "Web" is not a valid name'],
    ['web app', 'NAME "web app" is not a valid name'],
    ['web\napp', 'NAME "web\\napp" is not a valid name'],
    ['web:app', 'NAME "web:app" is not a valid name'],
    ['-web', 'NAME "-web" is not a valid name'],
    ['a'.repeat(64), 'is too long: at most 63 characters'],
  ])('rejects the name %j', (name, message) => {
    expect(usageMessage({ name })).toContain(message);
  });

  it.each([
    [{ cpu: '64Mb' }, '--cpu "64Mb" is not a Kubernetes quantity'],
    [{ memory: '64Mb' }, 'did you mean 64Mi?'],
    [{ memory: '-1' }, '--memory "-1" is not a Kubernetes quantity'],
    [{ cpuLimit: 'lots' }, '--cpu-limit "lots"'],
    [{ ports: ['0'] }, '--port must be at least 1'],
    [{ ports: ['65536'] }, '--port must be at most 65535'],
    [{ ports: ['http'] }, '--port "http" is not a whole number'],
    [{ ports: ['80', '80'] }, '--port 80 is given twice'],
    [{ replicas: '-1' }, '--replicas must be at least 0'],
    [{ replicas: '1.5' }, '--replicas "1.5" is not a whole number'],
    [{ gpus: '-1' }, '--gpus must be at least 0'],
    [{ env: ['NOEQUALS'] }, '--env "NOEQUALS" must look like KEY=VALUE'],
    [{ env: ['1BAD=x'] }, 'is not a valid environment variable name'],
    [{ expose: 'Ingress', ports: ['80'] }, '--expose "Ingress" is not one of: ClusterIP, NodePort, LoadBalancer'],
    [{ expose: 'ClusterIP' }, '--expose needs at least one --port'],
    [{ image: 'nginx latest' }, 'is not a valid image reference'],
    [{ namespace: 'Team_A' }, '--namespace "Team_A" is not a valid name'],
    [{ pvcSize: '10Gi' }, '--pvc-size needs --model-pvc'],
  ] as [Partial<DeployInput>, string][])('rejects %j', (overrides, message) => {
    expect(usageMessage(overrides)).toContain(message);
  });

  it('rejects an unknown preset and a missing model', () => {
    expect(usageMessage({ kind: 'model', server: 'onnx' })).toContain('--server "onnx" is not one of: tf-serving, triton, vllm, torchserve, sglang, custom');
    expect(usageMessage({ kind: 'model', server: 'vllm', image: undefined })).toContain('--model is required for --server vllm');
    expect(usageMessage({ kind: 'model', server: 'custom', image: undefined })).toContain('--image is required for --server custom');
    expect(usageMessage({ kind: 'model', server: 'tf-serving', model: 'm', ports: ['9000'] })).toContain('--port is fixed by --server tf-serving');
  });
});

describe('quantities and durations', () => {
  it('accepts Kubernetes quantities and compares them', () => {
    for (const q of ['250m', '2', '0.5', '64Mi', '10Gi', '1e3', '1.5Gi']) expect(validateQuantity(q, '--x')).toBe(q);
    expect(quantityValue('250m')).toBeCloseTo(0.25);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
  });

  it('parses Go-style durations', () => {
    expect(parseDuration('90s', '--timeout')).toBe(90_000);
    expect(parseDuration('1h30m', '--timeout')).toBe(5_400_000);
    expect(() => parseDuration('5', '--timeout')).toThrow('--timeout "5" is not a duration');
    expect(() => parseDuration('5 minutes', '--timeout')).toThrow(UsageError);
  });
});

describe('one annotation validator for deploy and train', () => {
  const trainInput = {
    name: 'j',
    namespace: 'default',
    image: 'img',
    command: ['python'],
    env: [],
    envFromSecret: [],
    volumes: [],
    gpuResource: 'nvidia.com/gpu',
    gpuProductLabel: 'nvidia.com/gpu.product',
  };
  const trainMessage = (podAnnotations: string[]) => {
    try {
      validateTrainOptions({ ...trainInput, podAnnotations });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('expected a usage error');
  };

  it.each([
    [['team=a', 'team=b'], '--pod-annotation team is given twice'],
    [['novalue'], '--pod-annotation "novalue" must look like KEY=VALUE with a valid annotation key such as example.com/owner'],
    [['=x'], '--pod-annotation "=x" must look like KEY=VALUE'],
    [['Example.com/owner=x'], 'with a valid annotation key'],
    [[`example.com/${'a'.repeat(64)}=x`], 'with a valid annotation key'],
    [[`${'a'.repeat(254)}/owner=x`], 'with a valid annotation key'],
    [['a/b/c=x'], 'with a valid annotation key'],
  ])('deploy and train refuse %j with the same message', (entries, message) => {
    expect(usageMessage({ podAnnotations: entries })).toContain(message);
    expect(trainMessage(entries)).toBe(usageMessage({ podAnnotations: entries }));
  });

  it('accepts Kubernetes keys: an optional DNS prefix and a name of at most 63 characters; values may hold =', () => {
    const keys = ['prometheus.io/scrape=true', `example.com/${'a'.repeat(63)}=1`, 'sidecar.istio.io/inject=false', 'Owner_Team.x=a=b', 'constructor=x'];
    expect(validateAnnotations(keys)).toEqual({
      'prometheus.io/scrape': 'true',
      [`example.com/${'a'.repeat(63)}`]: '1',
      'sidecar.istio.io/inject': 'false',
      'Owner_Team.x': 'a=b',
      constructor: 'x',
    });
  });

  it('mlk deploy refuses a duplicate --pod-annotation with exit 2, before any cluster contact', async () => {
    const r = await run([
      'deploy',
      'app',
      'web',
      '--image',
      'nginx:1.27',
      '--pod-annotation',
      'prometheus.io/scrape=true',
      '--pod-annotation',
      'prometheus.io/scrape=false',
      '--dry-run',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--pod-annotation prometheus.io/scrape is given twice');
    expect(r.stdout).toBe('');
    expect(r.connected).toBe(false);
  });
});

describe('one name rule', () => {
  it('nameProblem says what validateName throws; isName and isLabelValue answer yes or no', () => {
    expect(nameProblem('web', 'NAME')).toBeUndefined();
    expect(nameProblem('Web', 'NAME')).toBe(
      'NAME "Web" is not a valid name: use lower-case letters, digits and \'-\', starting and ending with a letter or digit',
    );
    expect(() => validateName('Web', 'NAME')).toThrow(nameProblem('Web', 'NAME'));
    expect(nameProblem('', '--job-name')).toBe('--job-name is required');
    expect(nameProblem('a'.repeat(53), 'NAME', 52)).toContain('at most 52 characters');
    expect([isName('datasets'), isName('data.sets'), isName('a'.repeat(64))]).toEqual([true, false, false]);
    expect([isLabelValue('NVIDIA-A100-SXM4-80GB'), isLabelValue('A100 80GB'), isLabelValue('-x')]).toEqual([true, false, false]);
  });
});
