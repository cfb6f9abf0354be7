import { UsageError } from './errors.js';
import { parseInteger, validateName } from './validate.js';
import { parseWorkloadTarget, type TargetRef } from './target.js';
import type { KubeObject } from './kube-object.js';

export interface ScaleInput {
  target?: string;
  namespace: string;
  replicas?: string;
}

export interface ScaleOptions {
  target: TargetRef;
  namespace: string;
  replicas: number;
}

export const MAX_REPLICAS = 10_000;

export function validateScaleOptions(input: ScaleInput): ScaleOptions {
  const target = parseWorkloadTarget(input.target, 'scale');
  validateName(input.namespace, '--namespace');
  if (input.replicas === undefined) throw new UsageError('--replicas is required: the number of pods to run, e.g. --replicas 5');
  const replicas = parseInteger(input.replicas, '--replicas', 0, MAX_REPLICAS);
  return { target, namespace: input.namespace, replicas };
}

/** The body sent to the scale subresource (and printed by a client dry run). */
export function planScale(
  o: ScaleOptions,
  kind: string = o.target.kind ?? 'Deployment',
): { ref: { apiVersion: string; kind: string; name: string; namespace: string }; body: { spec: { replicas: number } }; preview: KubeObject } {
  return {
    ref: { apiVersion: 'apps/v1', kind, name: o.target.name, namespace: o.namespace },
    body: { spec: { replicas: o.replicas } },
    preview: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: o.target.name, namespace: o.namespace }, spec: { replicas: o.replicas } },
  };
}

/** The words for an autoscaler that would override a manual replica count. */
export function hpaOverrideMessage(hpa: KubeObject, workload: KubeObject, replicas: number, instance: string): { message: string; hint: string } {
  const min: number = hpa.spec?.minReplicas ?? 1;
  const max: number = hpa.spec?.maxReplicas ?? min;
  return {
    message: `horizontalpodautoscaler/${hpa.metadata.name} controls ${workload.kind.toLowerCase()}/${workload.metadata.name} (min ${min}, max ${max}) and would override --replicas ${replicas}; nothing was changed`,
    hint:
      replicas === 0
        ? `remove the autoscaler first: mlk autoscale ${instance} --off, then mlk scale ${instance} --replicas 0`
        : `change the autoscaler's bounds instead, e.g. mlk autoscale ${instance} --min ${replicas} --max ${Math.max(replicas, max)}, or remove it with: mlk autoscale ${instance} --off`,
  };
}
