import { describe, expect, it } from 'vitest';
import { ACCESS_MODES, SERVICE_TYPES, validateDeployOptions, type DeployInput } from '../../src/core/deploy.js';
import { parseDuration } from '../../src/core/duration.js';
import { UsageError } from '../../src/core/errors.js';
import { CONCURRENCY_POLICIES, validateTrainOptions } from '../../src/core/train.js';
import { SERVER_IDS } from '../../src/core/presets.js';
import { isLabelValue, isName, nameProblem, oneOf, quantityValue, validateAnnotations, validateName, validateQuantity } from '../../src/core/validate.js';
import { run } from '../support/harness.js';
import { validateByteSize, validateImage } from '../../src/core/validate.js';
import { checkCpuFits, validateResources } from '../../src/core/workload.js';

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
    [{ expose: 'Ingress', ports: ['80'] }, '--expose "Ingress" is not one of ClusterIP, NodePort, LoadBalancer'],
    [{ expose: 'ClusterIP' }, '--expose needs at least one --port'],
    [{ image: 'nginx latest' }, 'is not a valid image reference'],
    [{ namespace: 'Team_A' }, '--namespace "Team_A" is not a valid name'],
    [{ pvcSize: '10Gi' }, '--pvc-size needs --model-pvc'],
  ] as [Partial<DeployInput>, string][])('rejects %j', (overrides, message) => {
    expect(usageMessage(overrides)).toContain(message);
  });

  it('rejects an unknown preset and a missing model', () => {
    expect(usageMessage({ kind: 'model', server: 'onnx' })).toContain('--server "onnx" is not one of tf-serving, triton, vllm, torchserve, sglang, custom');
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

describe('choices: any case, the canonical spelling, and the closest choice for a typo (oneOf)', () => {
  it('oneOf returns the canonical spelling of a value in another case', () => {
    expect(oneOf('nodeport', SERVICE_TYPES, '--type')).toBe('NodePort');
    expect(oneOf('vLLM', SERVER_IDS, '--server')).toBe('vllm');
    expect(oneOf('readwritemany', ACCESS_MODES, '--access-mode')).toBe('ReadWriteMany');
    expect(oneOf('replace', CONCURRENCY_POLICIES, '--concurrency-policy')).toBe('Replace');
    expect(oneOf('LoadBalancer', SERVICE_TYPES, '--type')).toBe('LoadBalancer');
  });

  it('names the flag, lists the choices and suggests the closest one', () => {
    expect(() => oneOf('vlm', SERVER_IDS, '--server')).toThrow(
      new UsageError('--server "vlm" is not one of tf-serving, triton, vllm, torchserve, sglang, custom; did you mean vllm?'),
    );
    expect(() => oneOf('Nodeprot', SERVICE_TYPES, '--type')).toThrow(
      '--type "Nodeprot" is not one of ClusterIP, NodePort, LoadBalancer; did you mean NodePort?',
    );
    expect(() => oneOf('Ingress', SERVICE_TYPES, '--type')).toThrow(/^--type "Ingress" is not one of ClusterIP, NodePort, LoadBalancer$/);
  });

  it('the validators keep the canonical spelling: deploy, train', () => {
    const model = validateDeployOptions(input({ kind: 'model', server: 'VLLM', model: 'm', expose: 'nodeport', modelPvc: 'c', accessMode: 'readwriteonce' }));
    expect([model.server, model.serviceType, model.accessMode]).toEqual(['vllm', 'NodePort', 'ReadWriteOnce']);
    const app = validateDeployOptions(input({ expose: 'LOADBALANCER', ports: ['80'] }));
    expect(app.serviceType).toBe('LoadBalancer');
    expect(usageMessage({ kind: 'model', server: 'sglng', model: 'm' })).toContain('did you mean sglang?');
    const train = validateTrainOptions({
      name: 'nightly',
      namespace: 'default',
      image: 'img',
      command: ['python'],
      env: [],
      envFromSecret: [],
      volumes: [],
      podAnnotations: [],
      gpuResource: 'nvidia.com/gpu',
      gpuProductLabel: 'nvidia.com/gpu.product',
      schedule: '@daily',
      concurrencyPolicy: 'allow',
    });
    expect(train.schedule?.concurrencyPolicy).toBe('Allow');
  });
});

describe('quantities without units (issue 18)', () => {
  const usage = (f: () => unknown): string => {
    try {
      f();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error('expected a usage error');
  };

  it.each([
    ['8', 'memory', '--memory-limit "8" is 8 bytes, less than 1Mi (did you mean 8Gi?)'],
    ['512', 'memory', '--memory-limit "512" is 512 bytes, less than 1Mi (did you mean 512Mi?)'],
    ['1.5', 'memory', '--memory-limit "1.5" is 1.5 bytes, less than 1Mi (did you mean 1.5Gi?)'],
    ['500m', 'memory', '--memory-limit "500m" is 0.5 bytes, less than 1Mi (did you mean 500Mi?)'],
    ['100Ki', 'memory', '--memory-limit "100Ki" is 102400 bytes, less than 1Mi (did you mean 100Mi?)'],
    ['1e3', 'memory', '--memory-limit "1e3" is 1000 bytes, less than 1Mi (give a size with a unit, such as 512Mi or 8Gi)'],
    ['500', 'storage', '--memory-limit "500" is 500 bytes, less than 1Mi (did you mean 500Gi?)'],
  ] as const)('%s (%s) is refused with the likely meaning', (value, likely, message) => {
    expect(usage(() => validateByteSize(value, '--memory-limit', likely))).toBe(message);
  });

  it('1Mi and up pass as given; look-alikes keep their own message', () => {
    const sizes = ['1Mi', '1048576', '64Mi', '8Gi', '2G', '1.5Gi'];
    expect(sizes.map((v) => validateByteSize(v, '--memory'))).toEqual(sizes);
    expect(validateByteSize(undefined, '--memory')).toBeUndefined();
    expect(usage(() => validateByteSize('16GB', '--memory'))).toContain('(did you mean 16Gi?)');
  });

  it('deploy and train share the memory and request-within-limit rules', () => {
    expect(usage(() => validateResources({ memory: '8' }))).toBe('--memory "8" is 8 bytes, less than 1Mi (did you mean 8Gi?)');
    expect(usage(() => validateResources({ cpu: '1500m', cpuLimit: '1' }))).toBe(
      '--cpu 1500m is more than --cpu-limit 1: a request cannot exceed its limit (raise --cpu-limit or lower --cpu)',
    );
    expect(usage(() => validateResources({ memory: '1Gi', memoryLimit: '512Mi' }))).toContain('--memory 1Gi is more than --memory-limit 512Mi');
    expect(validateResources({ cpu: '1', cpuLimit: '1000m', memory: '1Gi', memoryLimit: '1024Mi' })).toMatchObject({ cpu: '1', memoryLimit: '1024Mi' });
    const train = () =>
      validateTrainOptions({
        name: 't',
        namespace: 'default',
        image: 'img',
        command: ['python'],
        env: [],
        envFromSecret: [],
        volumes: [],
        podAnnotations: [],
        gpuResource: 'nvidia.com/gpu',
        gpuProductLabel: 'nvidia.com/gpu.product',
        memoryLimit: '8',
      });
    expect(usage(train)).toContain('did you mean 8Gi?');
  });

  it('checkCpuFits: over the largest schedulable node is refused, with millicores suggested when they fit', () => {
    const node = (name: string, cpu: string | undefined, unschedulable = false) =>
      ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { unschedulable }, status: { allocatable: cpu === undefined ? {} : { cpu } } }) as any;
    const nodes = [node('a', '8'), node('b', '15500m'), node('off', '128', true), node('unknown', undefined)];
    expect(usage(() => checkCpuFits({ cpu: '500' }, nodes))).toBe(
      '--cpu 500 is 500 CPUs per pod, more than any node can give (the largest, b, has 15500m allocatable) (did you mean 500m?)',
    );
    expect(usage(() => checkCpuFits({ cpuLimit: '16' }, nodes))).toBe(
      '--cpu-limit 16 is 16 CPUs per pod, more than any node can give (the largest, b, has 15500m allocatable)',
    );
    expect(usage(() => checkCpuFits({ cpu: '20000' }, nodes))).not.toContain('did you mean');
    expect(() => checkCpuFits({ cpu: '15.5', cpuLimit: '15500m' }, nodes)).not.toThrow();
    expect(() => checkCpuFits({ cpu: '500' }, [node('off', '1', true)])).not.toThrow();
    expect(() => checkCpuFits({ cpu: '500' }, [])).not.toThrow();
  });
});

describe('long values', () => {
  it('a 128 KiB image reference is refused with a short quotation (the rule is one linear pass)', () => {
    const huge = `a${'b'.repeat(128 * 1024)}!`;
    let message = '';
    try {
      validateImage(huge, '--image');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('--image "abbbbbbbbb');
    expect(message.length).toBeLessThan(200);
  });

  it('an invalid image just under the length limit is refused by the pattern, quoted short', () => {
    expect(() => validateImage(`a${'b'.repeat(4000)} c`, '--image')).toThrow(/is not a valid image reference/);
    expect(() => validateImage(`a${'b'.repeat(4000)} c`, '--image')).not.toThrow(/b{100}/);
  });
});
