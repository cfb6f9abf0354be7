import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { IMAGE_KEYS } from './presets.js';
import {
  validateByteSize,
  validateContextName,
  validateExtendedResource,
  validateImage,
  validateLabelKey,
  validateName,
  validatePath,
  validateQuantity,
  validateRegistry,
  validateSubdomain,
} from './validate.js';

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
  /** A preset's image instead of its pinned default, by preset (`vllm`, `tf-serving-gpu`). */
  images?: Record<string, string>;
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
  images: Record<string, string>;
}

const KEYS = [
  'namespace',
  'context',
  'kubeconfig',
  'registry',
  'templates',
  'storageClass',
  'timeout',
  'gpuResource',
  'gpuProductLabel',
  'resources',
  'images',
];
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

type ResourceKey = 'cpu' | 'memory' | 'cpuLimit' | 'memoryLimit';
type PlainKey = Exclude<keyof typeof ENV_NAMES, ResourceKey>;

/** What a YAML value is, for an error that says which type was expected. */
function yamlKind(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}

/**
 * Checks the shape of a parsed mlk.yaml and turns every value into text; unknown keys are errors so
 * typos do not pass silently. `source` is how errors name the file (mlk.yaml, or the --config path).
 * The values themselves are checked by resolveSettings, with the rule of their flag.
 */
export function checkFileConfig(data: unknown, source: string): FileConfig {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${source} must be a YAML mapping`);
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!KEYS.includes(key)) throw new UsageError(`${source}: unknown setting "${key}" (known: ${KEYS.join(', ')})`);
    if (key === 'resources') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new UsageError(`${source}: resources must be a mapping of ${RESOURCE_KEYS.join(', ')}, not ${yamlKind(value)}`);
      }
      const resources: Record<string, string> = {};
      for (const [rk, rv] of Object.entries(value)) {
        if (!RESOURCE_KEYS.includes(rk)) throw new UsageError(`${source}: unknown setting "resources.${rk}" (known: ${RESOURCE_KEYS.join(', ')})`);
        if (typeof rv !== 'string' && typeof rv !== 'number')
          throw new UsageError(`${source}: resources.${rk} must be a quantity such as 500m or 2Gi, not ${yamlKind(rv)}`);
        resources[rk] = String(rv);
      }
      config.resources = resources;
    } else if (key === 'images') {
      config.images = checkImages(value, source);
    } else if (typeof value === 'string' || (key === 'timeout' && typeof value === 'number')) {
      // a bare number of seconds is the likely meaning of `timeout: 90`: the duration rule refuses it with an example
      config[key] = String(value);
    } else {
      throw new UsageError(`${source}: ${key} must be text, not ${yamlKind(value)}${typeof value === 'number' ? ` (quote it: ${key}: "${value}")` : ''}`);
    }
  }
  return config as FileConfig;
}

/** mlk.yaml's `images`: preset keys to image references, each checked by --image's rule. */
function checkImages(value: unknown, source: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${source}: images must be a mapping of preset to image (keys: ${IMAGE_KEYS.join(', ')}), not ${yamlKind(value)}`);
  }
  const images: Record<string, string> = {};
  for (const [key, image] of Object.entries(value)) {
    if (!IMAGE_KEYS.includes(key)) throw new UsageError(`${source}: unknown setting "images.${key}" (known: ${IMAGE_KEYS.join(', ')})`);
    if (typeof image !== 'string')
      throw new UsageError(`${source}: images.${key} must be an image reference such as vllm/vllm-openai:v0.11.0, not ${yamlKind(image)}`);
    images[key] = validateImage(image, `${source}: images.${key}`);
  }
  return images;
}

/** Each setting's rule: the same one its flag goes through; `what` names the source (--timeout, MLK_TIMEOUT, mlk.yaml: timeout). */
const RULES: Record<keyof typeof ENV_NAMES, (value: string, what: string) => unknown> = {
  namespace: (v, what) => validateName(v, what),
  context: validateContextName,
  kubeconfig: validatePath,
  registry: validateRegistry,
  templates: validatePath,
  storageClass: validateSubdomain,
  timeout: parseDuration,
  gpuResource: validateExtendedResource,
  gpuProductLabel: validateLabelKey,
  cpu: validateQuantity,
  memory: (v, what) => validateByteSize(v, what),
  cpuLimit: validateQuantity,
  memoryLimit: (v, what) => validateByteSize(v, what),
};

const FLAG_NAMES: Partial<Record<PlainKey, string>> = { namespace: '--namespace', context: '--context', kubeconfig: '--kubeconfig', timeout: '--timeout' };

/** The longest value each setting can take, so an error never has to quote a long one. */
const MAX_LENGTH: Partial<Record<keyof typeof ENV_NAMES, number>> = {
  namespace: 63,
  kubeconfig: 4096,
  templates: 4096,
  registry: 255,
  gpuResource: 316,
  gpuProductLabel: 316,
};

/** Checks one value from one source with its key's rule; an empty value is an error too (unset a variable instead). */
function checked(key: keyof typeof ENV_NAMES, value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`${what} is empty: give a value${what.startsWith('MLK_') ? ` or unset ${what}` : ''}`);
  const max = MAX_LENGTH[key] ?? 253;
  if (value.length > max) throw new UsageError(`${what} is too long: ${value.length} characters, at most ${max}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a line break or other control character is refused, whatever the key
  if (/[\x00-\x1f\x7f]/.test(value)) throw new UsageError(`${what} ${JSON.stringify(value)} holds a line break or other control character`);
  RULES[key](value, what);
  return value;
}

/**
 * flag > MLK_* environment > project file > defaults. Every value given, from every source, is checked
 * with its flag's rule, and an error names where the value came from. `file` names the project file in errors.
 */
export function resolveSettings(
  flags: Partial<Record<keyof Settings, string>>,
  env: Record<string, string | undefined>,
  file: FileConfig,
  fileName = 'mlk.yaml',
): Settings {
  const pick = (key: PlainKey): string | undefined => {
    const flagName = FLAG_NAMES[key];
    const fromFlag = flagName ? checked(key, (flags as Record<string, string | undefined>)[key], flagName) : undefined;
    const fromEnv = checked(key, env[ENV_NAMES[key]], ENV_NAMES[key]);
    const fromFile = checked(key, file[key] as string | undefined, `${fileName}: ${key}`);
    return fromFlag ?? fromEnv ?? fromFile;
  };
  const resource = (key: ResourceKey): string | undefined => {
    const fromEnv = checked(key, env[ENV_NAMES[key]], ENV_NAMES[key]);
    const fromFile = checked(key, file.resources?.[key], `${fileName}: resources.${key}`);
    return fromEnv ?? fromFile;
  };
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
    images: file.images ?? {},
  };
}

/** Where a setting came from, for errors about it found later (a kubeconfig or templates folder that does not exist). */
export function settingSource(
  key: PlainKey,
  flags: Partial<Record<keyof Settings, string>>,
  env: Record<string, string | undefined>,
  fileName = 'mlk.yaml',
): string {
  const flagName = FLAG_NAMES[key];
  if (flagName && (flags as Record<string, string | undefined>)[key] !== undefined) return flagName;
  if (env[ENV_NAMES[key]] !== undefined) return ENV_NAMES[key];
  return `${fileName}: ${key}`;
}

/** A path with a leading ~ or ~/ made absolute with the home folder, as a shell would. */
export function expandHome(path: string, home: string | undefined): string {
  if (!home || !(path === '~' || path.startsWith('~/'))) return path;
  return `${home.replace(/\/$/, '')}${path.slice(1)}`;
}

/** Prefixes images that name no registry host with the configured registry (a mirror or team registry). */
export function withRegistry(image: string, registry: string | undefined): string {
  if (registry === undefined) return image;
  // a value from MLK_REGISTRY or mlk.yaml was checked when the settings were read; here it can only be the flag's
  validateRegistry(registry, '--registry');
  const first = image.split('/')[0]!;
  const hasHost = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasHost ? image : `${registry.replace(/\/$/, '')}/${image}`;
}

/**
 * The kubeconfig files to read, in order, as kubectl picks them: --kubeconfig alone; else every file
 * named in KUBECONFIG (':'-separated, empty entries and repeats skipped; a missing one is skipped by the
 * caller); else ~/.kube/config.
 */
export function kubeconfigPaths(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
): { paths: string[]; from: 'flag' | 'KUBECONFIG' | 'home' } {
  if (explicit) return { paths: [explicit], from: 'flag' };
  if (env.KUBECONFIG) return { paths: [...new Set(env.KUBECONFIG.split(':').filter(Boolean))], from: 'KUBECONFIG' };
  return { paths: env.HOME ? [`${env.HOME.replace(/\/$/, '')}/.kube/config`] : [], from: 'home' };
}

export interface KubeconfigParts<C extends { name: string }, U extends { name: string }, X extends { name: string }> {
  currentContext?: string;
  clusters: C[];
  users: U[];
  contexts: X[];
}

/**
 * Several kubeconfig files as one, merged as kubectl merges KUBECONFIG=a:b: for each cluster, user and
 * context name the first file that defines it wins, and current-context comes from the first file that sets it.
 */
export function mergeKubeconfigs<C extends { name: string }, U extends { name: string }, X extends { name: string }>(
  files: KubeconfigParts<C, U, X>[],
): KubeconfigParts<C, U, X> {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (item?.name !== undefined && !seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  return {
    currentContext: files.map((f) => f.currentContext).find((c) => c !== undefined && c !== ''),
    clusters: firstByName(files.map((f) => f.clusters)),
    users: firstByName(files.map((f) => f.users)),
    contexts: firstByName(files.map((f) => f.contexts)),
  };
}
