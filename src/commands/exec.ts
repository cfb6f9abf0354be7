import type { Command } from 'commander';
import { MlkError } from '../core/errors.js';
import { connectionArgs, runKubectl } from '../actions/kubectl.js';
import { parseWorkloadTarget } from '../core/target.js';
import { readyPodOf } from '../actions/workloads.js';
import { validateName } from '../core/validate.js';
import { addConnectionOptions } from '../flags/options.js';
import { positional } from '../tools/argv.js';
import { Session, type Deps } from '../cli/session.js';

export function registerExec(program: Command, deps: Deps): void {
  const cmd = program
    .command('exec')
    .description('run a command (default: a shell) in a ready pod of a workload, through kubectl exec')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME')
    .argument('[command...]', 'the command and its arguments, after -- (default: sh)')
    .option('-c, --container <name>', "the container (default: the pod's default container)");
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
mlk picks the oldest ready pod and runs kubectl exec -i (and -t on a terminal) with your terminal
attached; mlk exits with kubectl's exit code. kubectl comes from MLK_KUBECTL or PATH.

Examples:
  mlk exec tf-model-server
  mlk exec tf-model-server -- ls /models
  mlk exec llama -c vllm -- nvidia-smi`,
  );
  cmd.action(async (name: string | undefined, command: string[], flags: { container?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const target = parseWorkloadTarget(name, 'run a command in');
    const container = flags.container === undefined ? undefined : validateName(flags.container, '--container');
    const namespace = await session.namespace();
    const { pod } = await readyPodOf(await session.kube(), namespace, target);
    if (container && !(pod.spec?.containers ?? []).some((x: { name: string }) => x.name === container)) {
      throw new MlkError(
        `pod ${pod.metadata.name} has no container ${container}`,
        `its containers: ${(pod.spec?.containers ?? []).map((x: { name: string }) => x.name).join(', ')}`,
      );
    }
    const argv = command.length ? command : ['sh'];
    // kubectl exec's `--` starts the command, so the pod comes before it: a name like a flag is refused.
    await runKubectl(session, [
      'exec',
      '-i',
      ...(session.io.interactive ? ['-t'] : []),
      positional(pod.metadata.name, 'pod', 'cluster'),
      '-n',
      namespace,
      ...(container ? ['-c', container] : []),
      ...connectionArgs(session),
      '--',
      ...argv,
    ]);
  });
}
