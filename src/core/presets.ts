/** What mlk knows about each model server; facts from each project's documentation. */
export interface ServerPort {
  name: string;
  port: number;
}

/**
 * Liveness is a TCP check for the LLM servers and TorchServe: a server busy with requests still accepts
 * connections, so it is not restarted under load, while its health path (readiness) takes it out of the
 * Service. A liveness check equal to readiness would restart a pod for being busy.
 */
export interface Probe {
  path?: string; // httpGet path; absent means a TCP check
  port: string; // a named container port
}

export interface PresetInput {
  model: string;
  modelDir: string; // where the model volume is mounted
  hasModelVolume: boolean;
  gpus: number;
  /** The name clients ask for (vLLM, SGLang): --served-model-name, else see servedModelName. */
  servedName: string;
}

export interface ServerPreset {
  id: ServerId;
  summary: string;
  /**
   * The image, pinned to a version checked against the server's docs (never `latest`, which changes
   * under a running Deployment); `gpu` when the project ships a separate GPU build. mlk.yaml's `images`
   * overrides either (see presetImage).
   */
  images: { cpu: string; gpu?: string };
  /** CPU and memory requests by default, so the scheduler can place the pod and a CPU autoscaler has a base. */
  requests?: { cpu: string; memory: string };
  ports: ServerPort[];
  command?: string[];
  args: (input: PresetInput) => string[];
  liveness?: Probe;
  readiness?: Probe;
  /** Seconds a slow loader may take before liveness checks start counting. */
  startupBudgetSeconds: number;
  /** Seconds one probe may take: a server busy with requests answers slowly, and Kubernetes' 1 s restarts it under load. */
  probeTimeoutSeconds: number;
  /** An in-memory /dev/shm (PyTorch and NCCL share tensors through it), sized by --shm-size or this default. */
  sharedMemory?: string;
  huggingFaceCache: boolean;
  /**
   * The server fetches a model id from the Hugging Face hub itself (vLLM, SGLang). On a claim mlk
   * creates (--pvc-size), it then serves the id and keeps the download on the claim (HF_HOME).
   */
  downloadsModel: boolean;
  /** What must be put on a new, empty model claim before the server can start (one line), for servers that cannot download. */
  claimContents?: (input: { model: string; modelDir: string; claim: string }) => string;
  modelRequired: boolean;
  /**
   * The server cannot start without its model on a volume (it exits, or never opens its port): why,
   * in a few words. Unless --image names an image that carries the model, --model-pvc is required.
   */
  modelVolumeNeeded?: string;
  /** Made for GPUs: the prompts ask how many. */
  gpuServer: boolean;
  /** GPUs per pod when --gpus is not given; its image cannot start without one, so --gpus 0 needs --image (why: gpuNeeded). */
  defaultGpus?: number;
  gpuNeeded?: string;
  /** Clients name the model in requests (OpenAI API): --served-model-name applies. */
  servesModelName: boolean;
  /** Said in the preset's help: the project's state, when users should know it before choosing. */
  note?: string;
  /**
   * The user the preset's own image runs as: absent means root (its Dockerfile sets no USER). A
   * non-root user is given by name and numeric uid (the kubelet verifies runAsNonRoot only for a number).
   */
  imageUser?: { name: string; uid: number };
}

export const SERVER_IDS = ['tf-serving', 'triton', 'vllm', 'torchserve', 'sglang', 'custom'] as const;
export type ServerId = (typeof SERVER_IDS)[number];

/** Where the server reads the model: an absolute path as given, a relative one on the model volume, else a hub id. */
function modelLocation(input: PresetInput): string {
  if (!input.hasModelVolume || input.model.startsWith('/')) return input.model;
  return `${input.modelDir}/${input.model}`;
}

const MODEL_ON_VOLUME_HINT = 'give --model-pvc CLAIM (add --pvc-size 10Gi to create it), or --image with your own image that carries the model';

export const PRESETS: Record<ServerId, ServerPreset> = {
  'tf-serving': {
    id: 'tf-serving',
    gpuServer: false,
    summary: 'TensorFlow Serving (REST 8501, gRPC 8500)',
    images: { cpu: 'tensorflow/serving:2.19.1', gpu: 'tensorflow/serving:2.19.1-gpu' },
    // KServe's TF Serving runtime requests 1 CPU and 2Gi; half of that fits the primer's small model.
    requests: { cpu: '500m', memory: '1Gi' },
    ports: [
      { name: 'http', port: 8501 },
      { name: 'grpc', port: 8500 },
    ],
    args: (i) => [`--model_name=${i.model}`, `--model_base_path=${i.modelDir}/${i.model}`, '--port=8500', '--rest_api_port=8501'],
    liveness: { port: 'grpc' },
    readiness: { path: '/v1/models/{model}', port: 'http' },
    startupBudgetSeconds: 300,
    probeTimeoutSeconds: 5,
    huggingFaceCache: false,
    downloadsModel: false,
    claimContents: (i) =>
      `TensorFlow Serving loads ${i.modelDir}/${i.model}/<version>/: copy the SavedModel to ${i.model}/1/ on claim ${i.claim} (it starts empty) before the server can become ready.`,
    modelRequired: true,
    modelVolumeNeeded: 'TensorFlow Serving waits for MODEL_PATH/MODEL and never opens its port without it',
    servesModelName: false,
  },
  triton: {
    id: 'triton',
    gpuServer: true,
    summary: 'NVIDIA Triton Inference Server (HTTP 8000, gRPC 8001, metrics 8002)',
    images: { cpu: 'nvcr.io/nvidia/tritonserver:25.01-py3' },
    // as KServe's Triton runtime
    requests: { cpu: '1', memory: '2Gi' },
    ports: [
      { name: 'http', port: 8000 },
      { name: 'grpc', port: 8001 },
      { name: 'metrics', port: 8002 },
    ],
    command: ['tritonserver'],
    args: (i) => [`--model-repository=${i.modelDir}`, ...(i.model ? ['--model-control-mode=explicit', `--load-model=${i.model}`] : [])],
    liveness: { path: '/v2/health/live', port: 'http' },
    readiness: { path: '/v2/health/ready', port: 'http' },
    startupBudgetSeconds: 600,
    probeTimeoutSeconds: 5,
    sharedMemory: '2Gi',
    huggingFaceCache: false,
    downloadsModel: false,
    claimContents: (i) =>
      `Triton loads the model repository ${i.modelDir}: put ${i.model || 'MODEL'}/config.pbtxt and ${i.model || 'MODEL'}/1/<model file> on claim ${i.claim} (it starts empty) before the server can become ready.`,
    modelRequired: false,
    modelVolumeNeeded: 'Triton exits at once when its model repository is missing',
    servesModelName: false,
  },
  vllm: {
    id: 'vllm',
    gpuServer: true,
    defaultGpus: 1,
    gpuNeeded:
      'the vllm/vllm-openai image needs a GPU (without one it stops with "Failed to infer device type"); for a CPU build of vLLM pass its image with --image',
    summary: 'vLLM OpenAI-compatible server (HTTP 8000)',
    images: { cpu: 'vllm/vllm-openai:v0.11.0' },
    // vLLM's Kubernetes guide: the weights pass through host memory while they load.
    requests: { cpu: '2', memory: '6Gi' },
    ports: [{ name: 'http', port: 8000 }],
    command: ['vllm', 'serve'],
    args: (i) => [
      modelLocation(i),
      '--host=0.0.0.0',
      '--port=8000',
      `--served-model-name=${i.servedName}`,
      ...(i.gpus > 1 ? [`--tensor-parallel-size=${i.gpus}`] : []),
    ],
    liveness: { port: 'http' },
    // /health, as vLLM's Kubernetes guide and KServe: every /v1 path answers 401 once an API key is set.
    readiness: { path: '/health', port: 'http' },
    startupBudgetSeconds: 1800,
    // KServe's vLLM runtime allows 15 s: an engine busy with long prompts answers late.
    probeTimeoutSeconds: 15,
    sharedMemory: '2Gi',
    huggingFaceCache: true,
    downloadsModel: true,
    modelRequired: true,
    servesModelName: true,
  },
  torchserve: {
    id: 'torchserve',
    gpuServer: false,
    summary: 'TorchServe (inference 8080, management 8081, metrics 8082)',
    note: 'TorchServe is in limited maintenance upstream (no new features or security fixes planned); prefer triton or custom for new work',
    images: { cpu: 'pytorch/torchserve:0.12.0-cpu', gpu: 'pytorch/torchserve:0.12.0-gpu' },
    // as KServe's TorchServe runtime
    requests: { cpu: '1', memory: '2Gi' },
    ports: [
      { name: 'http', port: 8080 },
      { name: 'management', port: 8081 },
      { name: 'metrics', port: 8082 },
    ],
    command: ['torchserve'],
    args: (i) => [
      '--start',
      '--foreground',
      `--model-store=${i.modelDir}`,
      `--models=${i.model ? `${i.model}=${i.model}.mar` : 'all'}`,
      '--ts-config=/home/model-server/config.properties',
      '--disable-token-auth',
    ],
    liveness: { port: 'http' },
    readiness: { path: '/ping', port: 'http' },
    startupBudgetSeconds: 600,
    probeTimeoutSeconds: 10,
    // PyTorch workers share tensors through /dev/shm; the container default is 64Mi.
    sharedMemory: '1Gi',
    huggingFaceCache: false,
    downloadsModel: false,
    // pytorch/torchserve's Dockerfile: `useradd -m model-server` (uid 1000) and `USER model-server`.
    imageUser: { name: 'model-server', uid: 1000 },
    claimContents: (i) =>
      `TorchServe loads ${i.model ? `${i.modelDir}/${i.model}.mar` : `every .mar archive in ${i.modelDir}`}: put ${i.model ? `${i.model}.mar` : 'the .mar archives'} on claim ${i.claim} (it starts empty) before the server can become ready.`,
    modelRequired: false,
    modelVolumeNeeded: 'TorchServe exits at once when its model store is missing',
    servesModelName: false,
  },
  sglang: {
    id: 'sglang',
    gpuServer: true,
    defaultGpus: 1,
    gpuNeeded: 'the lmsysorg/sglang image needs a GPU; for a CPU build of SGLang pass its image with --image',
    summary: 'SGLang (HTTP 30000)',
    images: { cpu: 'lmsysorg/sglang:v0.5.6.post1' },
    // as vLLM: the same kind of server, loading the same weights
    requests: { cpu: '2', memory: '6Gi' },
    ports: [{ name: 'http', port: 30000 }],
    command: ['python3', '-m', 'sglang.launch_server'],
    args: (i) => [
      `--model-path=${modelLocation(i)}`,
      '--host=0.0.0.0',
      '--port=30000',
      `--served-model-name=${i.servedName}`,
      ...(i.gpus > 1 ? [`--tp-size=${i.gpus}`] : []),
    ],
    liveness: { port: 'http' },
    readiness: { path: '/health', port: 'http' },
    startupBudgetSeconds: 1800,
    probeTimeoutSeconds: 15,
    sharedMemory: '2Gi',
    huggingFaceCache: true,
    downloadsModel: true,
    modelRequired: true,
    servesModelName: true,
  },
  custom: {
    id: 'custom',
    gpuServer: false,
    summary: 'any image: your own ports and probe path',
    images: { cpu: '' },
    ports: [],
    args: () => [],
    startupBudgetSeconds: 600,
    probeTimeoutSeconds: 5,
    huggingFaceCache: false,
    downloadsModel: false,
    modelRequired: false,
    servesModelName: false,
  },
};

/** The name a vLLM or SGLang server answers to when --served-model-name is not given: a path's last part, else the id. */
export function servedModelName(model: string): string {
  return model.startsWith('/') ? model.replace(/\/+$/, '').split('/').pop()! : model;
}

/** How to give a server its model on a volume: the end of the error for a preset that has none. */
export function modelVolumeHint(preset: ServerPreset): string {
  return `--server ${preset.id} needs its model on a volume (${preset.modelVolumeNeeded}): ${MODEL_ON_VOLUME_HINT}`;
}

/** Every key mlk.yaml's `images` takes. */
export const IMAGE_KEYS: string[] = SERVER_IDS.filter((id) => id !== 'custom').flatMap((id) => (PRESETS[id].images.gpu ? [id, `${id}-gpu`] : [id]));

/** The image a preset runs: mlk.yaml's override for it (its GPU build under ID-gpu), else the pinned default. */
export function presetImage(preset: ServerPreset, gpus: number, overrides: Record<string, string> = {}): string {
  const gpu = gpus > 0 ? preset.images.gpu : undefined;
  return overrides[gpu ? `${preset.id}-gpu` : preset.id] ?? gpu ?? preset.images.cpu;
}
