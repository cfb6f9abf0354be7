import { UsageError } from './errors.js';

/** What a project file (mlk.yaml) may set. */
export interface FileConfig {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  registry?: string;
  templates?: string;
  storageClass?: string;
  timeout?: string;
  gpuResource?: string;
  gpuProductLabel?: string;
  resources?: { cpu?: string; memory?: string; cpuLimit?: string; memoryLimit?: string };
}

export interface Settings {
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  registry?: string;
  templates?: string;
  storageClass?: string;
  timeout: string;
  gpuResource: string;
  gpuProductLabel: string;
  resources: { cpu?: string; memory?: string; cpuLimit?: string; memoryLimit?: string };
}

const KEYS = ['namespace', 'context', 'kubeconfig', 'registry', 'templates', 'storageClass', 'timeout', 'gpuResource', 'gpuProductLabel', 'resources'];
const RESOURCE_KEYS = ['cpu', 'memory', 'cpuLimit', 'memoryLimit'];

export const ENV_NAMES = {
  namespace: 'MLK_NAMESPACE',
  context: 'MLK_CONTEXT',
  kubeconfig: 'MLK_KUBECONFIG',
  registry: 'MLK_REGISTRY',
  templates: 'MLK_TEMPLATES',
  storageClass: 'MLK_STORAGE_CLASS',
  timeout: 'MLK_TIMEOUT',
  gpuResource: 'MLK_GPU_RESOURCE',
  gpuProductLabel: 'MLK_GPU_PRODUCT_LABEL',
  cpu: 'MLK_CPU',
  memory: 'MLK_MEMORY',
  cpuLimit: 'MLK_CPU_LIMIT',
  memoryLimit: 'MLK_MEMORY_LIMIT',
} as const;

/** Checks the shape of a parsed mlk.yaml; unknown keys are errors so typos do not pass silently. */
export function checkFileConfig(data: unknown, source: string): FileConfig {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${source} must be a YAML mapping`);
  for (const [key, value] of Object.entries(data)) {
    if (!KEYS.includes(key)) throw new UsageError(`${source}: unknown setting "${key}" (known: ${KEYS.join(', ')})`);
    if (key === 'resources') {
      if (typeof value !== 'object' || value === null) throw new UsageError(`${source}: resources must be a mapping`);
      for (const [rk, rv] of Object.entries(value)) {
        if (!RESOURCE_KEYS.includes(rk)) throw new UsageError(`${source}: unknown setting "resources.${rk}" (known: ${RESOURCE_KEYS.join(', ')})`);
        if (typeof rv !== 'string' && typeof rv !== 'number') throw new UsageError(`${source}: resources.${rk} must be a quantity`);
      }
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`${source}: ${key} must be a single value`);
    }
  }
  const config = data as FileConfig;
  if (config.resources) config.resources = Object.fromEntries(Object.entries(config.resources).map(([k, v]) => [k, String(v)]));
  return config;
}

/** flag > MLK_* environment > project file > defaults. */
export function resolveSettings(flags: Partial<Record<keyof Settings, string>>, env: Record<string, string | undefined>, file: FileConfig): Settings {
  const pick = (key: Exclude<keyof typeof ENV_NAMES, 'cpu' | 'memory' | 'cpuLimit' | 'memoryLimit'>): string | undefined =>
    (flags as Record<string, string | undefined>)[key] ?? (env[ENV_NAMES[key]] || undefined) ?? (file[key] as string | undefined);
  const resource = (key: 'cpu' | 'memory' | 'cpuLimit' | 'memoryLimit'): string | undefined => env[ENV_NAMES[key]] || file.resources?.[key];
  return {
    namespace: pick('namespace'),
    context: pick('context'),
    kubeconfig: pick('kubeconfig'),
    registry: pick('registry'),
    templates: pick('templates'),
    storageClass: pick('storageClass'),
    timeout: pick('timeout') ?? '5m',
    gpuResource: pick('gpuResource') ?? 'nvidia.com/gpu',
    gpuProductLabel: pick('gpuProductLabel') ?? 'nvidia.com/gpu.product',
    resources: { cpu: resource('cpu'), memory: resource('memory'), cpuLimit: resource('cpuLimit'), memoryLimit: resource('memoryLimit') },
  };
}

/** Prefixes images that name no registry host with the configured registry (a mirror or team registry). */
export function withRegistry(image: string, registry: string | undefined): string {
  if (!registry) return image;
  const first = image.split('/')[0]!;
  const hasHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? image : `${registry.replace(/\/$/, '')}/${image}`;
}
