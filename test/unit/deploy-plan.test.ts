import { describe, expect, it } from 'vitest';
import { planDeploy, validateDeployOptions, type DeployInput } from '../../src/core/deploy.js';
import { SERVER_IDS } from '../../src/core/presets.js';
import { templateFiles } from '../../src/tools/template-files.js';
import { formatObjects } from '../../src/ui/printer.js';
import { expectGolden } from '../support/golden.js';

const templates = templateFiles(undefined);

function input(overrides: Partial<DeployInput>): DeployInput {
  return { kind: 'model', namespace: 'default', ports: [], env: [], envFromSecret: [], args: [], gpuResource: 'nvidia.com/gpu', ...overrides };
}

function render(overrides: Partial<DeployInput>): string {
  return formatObjects(planDeploy(validateDeployOptions(input(overrides)), templates).objects, 'yaml');
}

describe('planDeploy golden manifests', () => {
  it('primer web-app: a Deployment of nginx with 3 replicas on port 80', () => {
    expectGolden('deploy-app-web.yaml', render({ kind: 'app', name: 'web-app', image: 'nginx:latest', replicas: '3', ports: ['80'] }));
  });

  it('primer web-app with a LoadBalancer Service', () => {
    expectGolden(
      'deploy-app-web-lb.yaml',
      render({ kind: 'app', name: 'web-app', image: 'nginx:latest', replicas: '3', ports: ['80'], expose: 'LoadBalancer', serviceName: 'web-service' }),
    );
  });

  it('primer resource-demo: requests and limits', () => {
    expectGolden(
      'deploy-app-resources.yaml',
      render({ kind: 'app', name: 'resource-demo', image: 'nginx', cpu: '250m', memory: '64Mi', cpuLimit: '500m', memoryLimit: '128Mi' }),
    );
  });

  it('primer TF Serving with its 10Gi claim', () => {
    expectGolden(
      'deploy-model-tf-serving.yaml',
      render({
        name: 'tf-model-server',
        server: 'tf-serving',
        model: 'my_model',
        modelPvc: 'model-pvc',
        pvcSize: '10Gi',
        replicas: '2',
        serviceName: 'tf-model-service',
      }),
    );
  });

  for (const server of SERVER_IDS.filter((s) => s !== 'tf-serving')) {
    it(`preset ${server} with 2 GPUs`, () => {
      const extra: Partial<DeployInput> = server === 'custom' ? { image: 'registry.example.com/team/scorer:v3', ports: ['9000'], probePath: '/healthz' } : {};
      expectGolden(`deploy-model-${server}.yaml`, render({ name: `${server}-server`, server, model: 'demo-model', modelPvc: 'models', gpus: '2', ...extra }));
    });
  }
});

describe('planDeploy details', () => {
  it('puts GPUs in limits under the configured resource name', () => {
    const plan = planDeploy(validateDeployOptions(input({ name: 'x', server: 'vllm', model: 'm', gpus: '4', gpuResource: 'amd.com/gpu' })), templates);
    const c = plan.deployment.spec.template.spec.containers[0];
    expect(c.resources.limits).toEqual({ 'amd.com/gpu': 4 });
    expect(c.args).toContain('--tensor-parallel-size=4');
  });

  it('mounts a sized in-memory /dev/shm for every preset but TF Serving', () => {
    for (const server of ['vllm', 'sglang', 'triton', 'torchserve', 'tf-serving'] as const) {
      const plan = planDeploy(validateDeployOptions(input({ name: 'x', server, model: 'm', modelPvc: 'models' })), templates);
      const shm = plan.deployment.spec.template.spec.volumes?.find((v: any) => v.name === 'dshm');
      expect(Boolean(shm)).toBe(server !== 'tf-serving');
      if (shm) expect(shm.emptyDir).toEqual({ medium: 'Memory', sizeLimit: server === 'torchserve' ? '1Gi' : '2Gi' });
    }
  });

  it('renders the claim only when --pvc-size is given', () => {
    const without = planDeploy(validateDeployOptions(input({ name: 'x', server: 'triton', modelPvc: 'store' })), templates);
    expect(without.objects.map((o) => o.kind)).toEqual(['Deployment', 'Service']);
    expect(without.claims).toEqual([{ name: 'store', flag: '--model-pvc', object: undefined }]);
    const withSize = planDeploy(
      validateDeployOptions(input({ name: 'x', server: 'triton', modelPvc: 'store', pvcSize: '5Gi', accessMode: 'ReadWriteMany', storageClass: 'fast' })),
      templates,
    );
    expect(withSize.objects[0]).toMatchObject({
      kind: 'PersistentVolumeClaim',
      spec: { accessModes: ['ReadWriteMany'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } },
    });
  });

  it('prefixes images without a registry host with the configured registry', () => {
    const plan = planDeploy(validateDeployOptions(input({ kind: 'app', name: 'x', image: 'nginx:1.27', registry: 'mirror.local:5000/hub' })), templates);
    expect(plan.deployment.spec.template.spec.containers[0].image).toBe('mirror.local:5000/hub/nginx:1.27');
    const hosted = planDeploy(validateDeployOptions(input({ kind: 'app', name: 'x', image: 'ghcr.io/o/i:1', registry: 'mirror.local' })), templates);
    expect(hosted.deployment.spec.template.spec.containers[0].image).toBe('ghcr.io/o/i:1');
  });

  it('keeps user values out of the manifest structure', () => {
    const plan = planDeploy(
      validateDeployOptions(input({ kind: 'app', name: 'x', image: 'nginx', env: ['A=b\n  injected: true', 'B={{ .Values.image }}'] })),
      templates,
    );
    const env = plan.deployment.spec.template.spec.containers[0].env;
    expect(env).toEqual([
      { name: 'A', value: 'b\n  injected: true' },
      { name: 'B', value: '{{ .Values.image }}' },
    ]);
    expect(plan.deployment.spec.template.spec.containers[0].injected).toBeUndefined();
  });
});

describe('a model claim mlk creates starts empty', () => {
  it('vLLM with --pvc-size serves the model id and keeps the download on the claim (golden)', () => {
    expectGolden(
      'deploy-model-vllm-new-claim.yaml',
      render({ name: 'chat', server: 'vllm', model: 'facebook/opt-125m', modelPvc: 'chat-models', pvcSize: '10Gi', gpus: '1' }),
    );
  });

  it('SGLang too; a user HF_HOME and --model-path are respected', () => {
    const plan = planDeploy(
      validateDeployOptions(
        input({ name: 'x', server: 'sglang', model: 'org/m', modelPvc: 'c', pvcSize: '5Gi', modelPath: '/data', env: ['HF_HOME=/data/hf'] }),
      ),
      templates,
    );
    const c = plan.deployment.spec.template.spec.containers[0];
    expect(c.args[0]).toBe('--model-path=org/m');
    expect(c.env).toEqual([{ name: 'HF_HOME', value: '/data/hf' }]);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/data', '/dev/shm']);
  });

  it('an existing claim (no --pvc-size) is still read from MODEL_PATH/MODEL; servers that cannot download are unchanged', () => {
    const existing = planDeploy(validateDeployOptions(input({ name: 'x', server: 'vllm', model: 'org/m', modelPvc: 'c' })), templates);
    const ec = existing.deployment.spec.template.spec.containers[0];
    expect(ec.args[0]).toBe('/models/org/m');
    expect(ec.env).toBeUndefined();
    expect(ec.volumeMounts.map((m: any) => m.name)).toContain('hf-cache');
    const tf = planDeploy(validateDeployOptions(input({ name: 'x', server: 'tf-serving', model: 'm', modelPvc: 'c', pvcSize: '1Gi' })), templates);
    expect(tf.deployment.spec.template.spec.containers[0].args).toContain('--model_base_path=/models/m');
    expect(tf.deployment.spec.template.spec.containers[0].env).toBeUndefined();
  });
});

describe('security context and --pod-security', () => {
  const container = (overrides: Partial<DeployInput>) =>
    planDeploy(validateDeployOptions(input({ name: 'x', ...overrides })), templates).deployment.spec.template.spec.containers[0];
  const BASE = { allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } };
  const DROP = { ...BASE, capabilities: { drop: ['ALL'] } };

  it('a preset image drops every capability; TorchServe runs as its non-root user (uid 1000), the others as root', () => {
    for (const server of ['tf-serving', 'triton', 'vllm', 'sglang'] as const)
      expect(container({ server, model: 'm', modelPvc: 'models' }).securityContext).toEqual(DROP);
    expect(container({ server: 'torchserve', modelPvc: 'models' }).securityContext).toEqual({ ...DROP, runAsNonRoot: true, runAsUser: 1000 });
  });

  it("a user's image (app, custom, --image) keeps its capabilities and user unless --pod-security restricted", () => {
    expect(container({ kind: 'app', image: 'nginx:1.27' }).securityContext).toEqual(BASE);
    expect(container({ server: 'custom', image: 'i:1', ports: ['9000'] }).securityContext).toEqual(BASE);
    expect(container({ server: 'torchserve', image: 'my/torchserve:1' }).securityContext).toEqual(BASE);
    expect(container({ kind: 'app', image: 'nginx:1.27', podSecurity: 'baseline' }).securityContext).toEqual(BASE);
    expect(container({ kind: 'app', image: 'nginx:1.27', podSecurity: 'restricted' }).securityContext).toEqual({ ...DROP, runAsNonRoot: true });
    expect(container({ server: 'vllm', model: 'm', image: 'me/vllm-nonroot:1', podSecurity: 'restricted' }).securityContext).toEqual({
      ...DROP,
      runAsNonRoot: true,
    });
  });

  it('--pod-security restricted with a preset image that runs as root is refused, naming why and the way out', () => {
    expect(() => validateDeployOptions(input({ name: 'x', server: 'vllm', model: 'm', podSecurity: 'restricted' }))).toThrow(
      '--pod-security restricted: --server vllm runs as root in its image vllm/vllm-openai; restricted needs runAsNonRoot: use an image that runs as a non-root user with --image, or --pod-security baseline',
    );
    for (const server of ['tf-serving', 'triton', 'sglang'] as const)
      expect(() => validateDeployOptions(input({ name: 'x', server, model: 'm', modelPvc: 'models', podSecurity: 'restricted' }))).toThrow(
        /runs as root in its image/,
      );
    expect(container({ server: 'torchserve', modelPvc: 'models', podSecurity: 'restricted' }).securityContext).toEqual({
      ...DROP,
      runAsNonRoot: true,
      runAsUser: 1000,
    });
    expect(container({ server: 'vllm', model: 'm', podSecurity: 'baseline' }).securityContext).toEqual(DROP);
    expect(() => validateDeployOptions(input({ name: 'x', kind: 'app', image: 'i', podSecurity: 'strict' }))).toThrow(
      /--pod-security "?strict"? is not one of/,
    );
  });
});

describe('PodDisruptionBudget', () => {
  it('only from 2 replicas on; maxUnavailable 1 over the stable selector, with mlk labels', () => {
    const plan = (replicas: string) => planDeploy(validateDeployOptions(input({ kind: 'app', name: 'w', image: 'i', replicas })), templates);
    expect(plan('1').objects.map((o) => o.kind)).toEqual(['Deployment']);
    expect(plan('0').objects.map((o) => o.kind)).toEqual(['Deployment']);
    const two = plan('2');
    expect(two.objects.map((o) => o.kind)).toEqual(['Deployment', 'PodDisruptionBudget']);
    expect(two.disruptionBudget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: two.deployment.spec.selector.matchLabels } });
    expect(two.disruptionBudget.metadata.labels).toEqual(two.deployment.metadata.labels);
  });
});
