import { MlkError, UsageError } from './errors.js';
import { oneOf } from './validate.js';

/** The Pod Security Standards levels mlk can make a pod for (`privileged` needs nothing). */
export const POD_SECURITY_LEVELS = ['baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/** The namespace label the API server's Pod Security admission enforces. */
export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** Who the image runs as, as far as mlk knows: a preset's own image is known; a user's image is not. */
export type ImageUser = { kind: 'root'; image: string; what: string } | { kind: 'non-root'; uid: number } | { kind: 'unknown' };

export function validatePodSecurity(value: string | undefined, flag = '--pod-security'): PodSecurityLevel | undefined {
  return value === undefined ? undefined : oneOf(value, POD_SECURITY_LEVELS, flag);
}

/**
 * The container security context of every pod mlk makes. Always: no privilege escalation and the
 * runtime's default seccomp profile (both tolerated by ordinary images, and what the baseline level
 * allows). A preset's own image also drops every capability (the servers bind ports above 1024 and
 * never switch users) and, where it runs as a non-root user, says so with its numeric uid (the kubelet
 * can only verify a numeric user). A user's image drops every capability and must run as non-root
 * only with --pod-security restricted: images such as nginx switch users at start and need theirs.
 * `restricted` with an image mlk knows runs as root is refused, naming why.
 */
export function containerSecurityContext(user: ImageUser, level: PodSecurityLevel | undefined, flag = '--pod-security'): Record<string, unknown> {
  const restricted = level === 'restricted';
  if (restricted && user.kind === 'root') {
    throw new UsageError(
      `${flag} restricted: ${user.what} runs as root in its image ${user.image}; restricted needs runAsNonRoot: use an image that runs as a non-root user with --image, or ${flag} baseline`,
    );
  }
  const dropAll = user.kind !== 'unknown' || restricted;
  return {
    allowPrivilegeEscalation: false,
    ...(dropAll ? { capabilities: { drop: ['ALL'] } } : {}),
    ...(user.kind === 'non-root' ? { runAsNonRoot: true, runAsUser: user.uid } : restricted ? { runAsNonRoot: true } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The level a namespace enforces, from its labels; undefined for none or privileged. */
export function enforcedLevel(labels: Record<string, string> | undefined): PodSecurityLevel | undefined {
  const value = labels?.[ENFORCE_LABEL];
  return value === 'baseline' || value === 'restricted' ? value : undefined;
}

/** What the API server said when a pod violates the namespace's Pod Security level, without its preamble. */
export function podSecurityViolation(message: string): string | undefined {
  const at = message.indexOf('violates PodSecurity');
  if (at < 0) return undefined;
  const rest = message.slice(at);
  const colon = rest.indexOf(': ');
  return colon < 0 ? rest : rest.slice(colon + 2);
}

/** A namespace's Pod Security level refuses the pods mlk would make: nothing was applied (exit 2, like a bad flag). */
export class PodSecurityRefusal extends MlkError {
  override readonly exitCode = 2;
}

/** The refusal for pods of OWNER in NAMESPACE, which enforces LEVEL, with the fix. */
export function podSecurityRefusal(input: {
  namespace: string;
  enforced: string;
  owner: string;
  violation: string;
  given: PodSecurityLevel | undefined;
}): PodSecurityRefusal {
  const level = input.enforced.split(':')[0]!;
  const fix =
    input.given === level
      ? `the image must tolerate it: ${level === 'restricted' ? 'use one that runs as a non-root user (--image)' : 'see the violations above'}`
      : `add --pod-security ${level} to make pods that meet it${level === 'restricted' ? ' (the image must then run as a non-root user)' : ''}`;
  return new PodSecurityRefusal(
    `namespace ${input.namespace} enforces Pod Security "${input.enforced}" and would reject the pods of ${input.owner}: ${input.violation}; nothing was applied`,
    fix,
  );
}
