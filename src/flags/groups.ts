import type { FlagSpec } from './table.js';

/**
 * Flag groups that several commands take, declared once. Their keys are the same field names in
 * every command's input (DeployInput, TrainInput), so one row serves all of them.
 */
type EnvKey = 'env' | 'envFromSecret';
type ResourceKey = 'cpu' | 'memory' | 'cpuLimit' | 'memoryLimit' | 'gpus';

export const ENV_FLAGS: FlagSpec<EnvKey>[] = [
  { key: 'env', flags: '--env <KEY=VALUE>', description: 'environment variable (repeatable)', repeatable: true },
  {
    key: 'envFromSecret',
    flags: '--env-from-secret <secret>',
    description: 'load every key of a Secret as environment variables (repeatable)',
    repeatable: true,
  },
];

export const POD_ANNOTATION_FLAG: FlagSpec<'podAnnotations'> = {
  key: 'podAnnotations',
  flags: '--pod-annotation <KEY=VALUE>',
  description: 'annotation on the pods, e.g. prometheus.io/scrape=true (repeatable)',
  repeatable: true,
};

/** Requests and limits of each pod; `per` says what a pod is for this command (a replica, a worker). */
export function resourceFlags(per: 'replica' | 'worker'): FlagSpec<ResourceKey>[] {
  return [
    { key: 'cpu', flags: '--cpu <quantity>', description: 'CPU request per pod, e.g. 250m or 4' },
    { key: 'memory', flags: '--memory <quantity>', description: 'memory request per pod, e.g. 512Mi or 32Gi' },
    { key: 'cpuLimit', flags: '--cpu-limit <quantity>', description: 'CPU limit per pod' },
    { key: 'memoryLimit', flags: '--memory-limit <quantity>', description: 'memory limit per pod' },
    { key: 'gpus', flags: '--gpus <n>', description: `GPUs per pod (per ${per}), set as an nvidia.com/gpu limit` },
  ];
}

export const PULL_POLICY_FLAG: FlagSpec<'pullPolicy'> = {
  key: 'pullPolicy',
  flags: '--pull-policy <policy>',
  description: "when the image is pulled: Always|IfNotPresent|Never (default: Kubernetes', Always for a :latest tag, else IfNotPresent)",
};

/** Where the pods may run. */
export const PLACEMENT_FLAGS: FlagSpec<'nodeSelector' | 'tolerations'>[] = [
  {
    key: 'nodeSelector',
    flags: '--node-selector <KEY=VALUE>',
    description: 'run only on nodes with this label, e.g. kubernetes.io/hostname=node-1 (repeatable)',
    repeatable: true,
  },
  {
    key: 'tolerations',
    flags: '--toleration <KEY[=VALUE]:EFFECT>',
    description: 'tolerate a node taint, e.g. nvidia.com/gpu:NoSchedule (repeatable; without =VALUE any value)',
    repeatable: true,
  },
];

export const REGISTRY_FLAG: FlagSpec<'registry'> = {
  key: 'registry',
  flags: '--registry <host/path>',
  description: 'prefix for images that name no registry (default: mlk.yaml or MLK_REGISTRY)',
};

export const POD_SECURITY_FLAG: FlagSpec<'podSecurity'> = {
  key: 'podSecurity',
  flags: '--pod-security <level>',
  description:
    "make the pods meet this Pod Security Standard: baseline|restricted (restricted runs as non-root: refused for an image known to run as root); default: checked against the namespace's enforce label before applying",
};

/** How a plan is sent: a dry run, conflicts, the output format. */
export const DRY_RUN_FLAG: FlagSpec<'dryRun'> = {
  key: 'dryRun',
  flags: '--dry-run [mode]',
  description: 'client: print the manifests, send nothing; server: let the API validate them, change nothing',
};

export const FORCE_CONFLICTS_FLAG: FlagSpec<'forceConflicts'> = {
  key: 'forceConflicts',
  flags: '--force-conflicts',
  description: 'take over fields another field manager owns (server-side apply force)',
};

export const OUTPUT_FLAG: FlagSpec<'output'> = { key: 'output', flags: '-o, --output <format>', description: 'output format', choices: ['yaml', 'json'] };
