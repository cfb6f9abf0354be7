import { ENFORCE_LABEL, podSecurityRefusal, podSecurityViolation, type PodSecurityLevel } from '../core/pod-security.js';
import type { KubeObject } from '../core/kube-object.js';
import type { ActionContext } from './context.js';

export interface PodSecurityCheck {
  namespace: string;
  /** Whose pods these are, for the message: deployment/web, job/t1, cronjob/nightly. */
  owner: string;
  /** The workload's pod template (metadata and spec). */
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: unknown };
  /** --pod-security, when given. */
  given?: PodSecurityLevel;
}

/**
 * Before anything is applied: when the namespace enforces a Pod Security level, a Pod built from the
 * template is created as a server-side dry run, so the API server's own admission gives the verdict
 * (for a Deployment or Job it only warns, and rejects each pod later, leaving a rollout that never
 * starts). A violation is refused with the reason and the fix; anything else the dry run says (a
 * quota, a missing permission to create pods) is left to the real apply.
 */
export async function checkPodSecurity(ctx: ActionContext, check: PodSecurityCheck): Promise<void> {
  const kube = await ctx.kube();
  let enforced: string | undefined;
  try {
    const namespace = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: check.namespace });
    if (!namespace) return; // the apply says the namespace does not exist
    enforced = namespace.metadata.labels?.[ENFORCE_LABEL];
    if (!enforced || enforced === 'privileged') return;
  } catch {
    // Not allowed to read namespaces: ask the API server anyway (a dry run changes nothing).
  }
  const name = check.owner.split('/')[1]!;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${name}-mlk-pod-security-check`,
      namespace: check.namespace,
      ...(check.template.metadata?.labels ? { labels: check.template.metadata.labels } : {}),
      ...(check.template.metadata?.annotations ? { annotations: check.template.metadata.annotations } : {}),
    },
    spec: structuredClone(check.template.spec),
  };
  try {
    await kube.apply(pod, { dryRun: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const violation = podSecurityViolation(message);
    if (!violation) return;
    const level = /violates PodSecurity "([^"]+)"/.exec(message)?.[1] ?? enforced ?? 'restricted';
    throw podSecurityRefusal({ namespace: check.namespace, enforced: level, owner: check.owner, violation, given: check.given });
  }
}
