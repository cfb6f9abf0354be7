import { UsageError } from './errors.js';
import { parseInteger, parseKeyValue, validateQuantity, validateSubdomain } from './validate.js';

export interface ResourceInput {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpus?: string;
}

export interface Resources {
  cpu?: string;
  memory?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  gpus: number;
}

export function validateResources(input: ResourceInput): Resources {
  return {
    cpu: validateQuantity(input.cpu, '--cpu'),
    memory: validateQuantity(input.memory, '--memory'),
    cpuLimit: validateQuantity(input.cpuLimit, '--cpu-limit'),
    memoryLimit: validateQuantity(input.memoryLimit, '--memory-limit'),
    gpus: input.gpus === undefined ? 0 : parseInteger(input.gpus, '--gpus', 0, 1024),
  };
}

/** requests/limits for a container; GPUs go in limits (Kubernetes sets the request to match). */
export function resourcesBlock(r: Resources, gpuResource: string): Record<string, unknown> | undefined {
  const requests: Record<string, string | number> = {};
  const limits: Record<string, string | number> = {};
  if (r.cpu) requests.cpu = r.cpu;
  if (r.memory) requests.memory = r.memory;
  if (r.cpuLimit) limits.cpu = r.cpuLimit;
  if (r.memoryLimit) limits.memory = r.memoryLimit;
  if (r.gpus > 0) limits[gpuResource] = r.gpus;
  const block: Record<string, unknown> = {};
  if (Object.keys(requests).length) block.requests = requests;
  if (Object.keys(limits).length) block.limits = limits;
  return Object.keys(block).length ? block : undefined;
}

export function validateEnv(entries: string[]): { name: string; value: string }[] {
  const seen = new Set<string>();
  return entries.map((entry) => {
    const [name, value] = parseKeyValue(entry, '--env');
    if (seen.has(name)) throw new UsageError(`--env ${name} is given twice`);
    seen.add(name);
    return { name, value };
  });
}

export function validateSecretNames(names: string[]): string[] {
  return names.map((n) => validateSubdomain(n, '--env-from-secret'));
}
