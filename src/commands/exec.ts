import type { Command } from 'commander';
import { InterruptedError, MlkError } from '../core/errors.js';
import { findWorkload, noReadyPodMessage, parseWorkloadTarget, pickReadyPod, podSelector, type TargetRef } from '../core/target.js';
import { validateName } from '../core/validate.js';
import type { KubeObject } from '../kube/types.js';
import { addConnectionOptions } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';

/** kubectl's own exit code, carried out of mlk unchanged. */
export class ChildExitError extends MlkError {
  override readonly exitCode: number;
  constructor(message: string, code: number) {
    super(message);
    this.exitCode = code;
    this.name = 'ChildExitError';
  }
}

/** A ready pod of the workload a target names. */
export async function readyPodOf(session: Session, target: TargetRef, namespace: string): Promise<{ workload: KubeObject; pod: KubeObject }> {
  const kube = await session.kube();
  const workload = await findWorkload(kube, namespace, target);
  const pods = await kube.list('v1', 'Pod', namespace, { labelSelector: podSelector(workload) });
  const pod = pickReadyPod(pods);
  if (!pod) throw noReadyPodMessage(workload, pods);
  return { workload, pod };
}

/** --kubeconfig and --context as mlk resolved them, for kubectl. */
export function connectionArgs(session: Session): string[] {
  const { kubeconfig, context } = session.settings;
  return [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...(context ? ['--context', context] : [])];
}

/** Runs kubectl with the terminal attached; its exit code becomes mlk's. */
export async function runKubectl(session: Session, args: string[]): Promise<void> {
  const binary = session.kubectlBinary();
  session.info(`Running: ${[binary.split('/').pop(), ...args].join(' ')}`);
  const interrupted = () => new InterruptedError(`Interrupted: kubectl ${args[0]} stopped.`);
  if (session.signal?.aborted) throw interrupted();
  const result = await session.runner().run(binary, args, { inherit: true, signal: session.signal });
  if (session.signal?.aborted) throw interrupted();
  if (result.notFound) {
    throw new MlkError(`kubectl was not found (looked for "${binary}")`, 'install kubectl (https://kubernetes.io/docs/tasks/tools/) or point MLK_KUBECTL at it');
  }
  if (result.exitCode !== 0) throw new ChildExitError(`kubectl ${args[0]} exited with code ${result.exitCode}`, result.exitCode);
}

export function registerExec(program: Command, deps: Deps): void {
  const cmd = program
    .command('exec')
    .description('run a command (default: a shell) in a ready pod of a workload, through kubectl exec')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME')
    .argument('[command...]', 'the command and its arguments, after -- (default: sh)')
    .option('-c, --container <name>', "the container (default: the pod's default container)");
  addConnectionOptions(cmd);
  cmd.addHelpText('after', `
mlk picks the oldest ready pod and runs kubectl exec -i (and -t on a terminal) with your terminal
attached; mlk exits with kubectl's exit code. kubectl comes from MLK_KUBECTL or PATH.

Examples:
  mlk exec tf-model-server
  mlk exec tf-model-server -- ls /models
  mlk exec llama -c vllm -- nvidia-smi`);
  cmd.action(async (name: string | undefined, command: string[], flags: { container?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const target = parseWorkloadTarget(name, 'run a command in');
    const container = flags.container === undefined ? undefined : validateName(flags.container, '--container');
    const namespace = await session.namespace();
    const { pod } = await readyPodOf(session, target, namespace);
    if (container && !(pod.spec?.containers ?? []).some((x: { name: string }) => x.name === container)) {
      throw new MlkError(`pod ${pod.metadata.name} has no container ${container}`, `its containers: ${(pod.spec?.containers ?? []).map((x: { name: string }) => x.name).join(', ')}`);
    }
    const argv = command.length ? command : ['sh'];
    await runKubectl(session, [
      'exec', '-i', ...(session.io.interactive ? ['-t'] : []), pod.metadata.name, '-n', namespace,
      ...(container ? ['-c', container] : []), ...connectionArgs(session), '--', ...argv,
    ]);
  });
}
