import type { Command } from 'commander';
import { InterruptedError, UsageError } from '../core/errors.js';
import { parsePortForward, parseWorkloadTarget, resolvePort } from '../core/target.js';
import { addConnectionOptions } from '../flags/options.js';
import { Session, type Deps } from '../cli/session.js';
import { connectionArgs, runKubectl } from '../actions/kubectl.js';
import { readyPodOf } from '../actions/workloads.js';
import { toolArgv } from '../tools/argv.js';
import { validateListenAddresses } from '../core/validate.js';

export function registerPortForward(program: Command, deps: Deps): void {
  const cmd = program
    .command('port-forward')
    .description('forward local ports to a ready pod of a workload, through kubectl port-forward')
    .argument('[name]', 'an mlk NAME, or deployment/NAME or statefulset/NAME')
    .argument('[ports...]', '[LOCAL:]REMOTE, e.g. 8501, 8080:8501, :8501 (a free local port), or 8080:http (a named container port)')
    .option('--address <addresses>', 'local addresses to listen on, comma-separated (default: localhost)');
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Runs until Ctrl-C; mlk exits with kubectl's exit code. kubectl comes from MLK_KUBECTL or PATH.

Examples:
  mlk port-forward tf-model-server 8501
  mlk port-forward chat 8080:8000
  mlk port-forward web-app :80 --address 0.0.0.0`,
  );
  cmd.action(async (name: string | undefined, ports: string[], flags: { address?: string }, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const target = parseWorkloadTarget(name, 'forward ports to');
    if (ports.length === 0) throw new UsageError('a port is required: [LOCAL:]REMOTE, e.g. 8501 or 8080:8501');
    const specs = ports.map(parsePortForward);
    if (flags.address !== undefined) validateListenAddresses(flags.address, '--address');
    const namespace = await session.namespace();
    const { pod } = await readyPodOf(await session.kube(), namespace, target);
    const resolved = specs.map((s) => resolvePort(s, pod));
    const interrupted = () => new InterruptedError(`Interrupted: port forwarding to pod/${pod.metadata.name} stopped; nothing in the cluster was changed.`);
    const args = toolArgv(
      ['port-forward'],
      ['-n', namespace, ...(flags.address ? ['--address', flags.address] : []), ...connectionArgs(session)],
      [
        [`pod/${pod.metadata.name}`, 'pod'],
        ...resolved.map((p): [string, string] => [p.local === p.remote ? String(p.remote) : `${p.local === 0 ? '' : p.local}:${p.remote}`, 'port']),
      ],
    );
    await runKubectl(session, args).catch((error: unknown) => {
      throw session.signal?.aborted ? interrupted() : error;
    });
  });
}
