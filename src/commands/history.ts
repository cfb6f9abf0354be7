import type { Command } from 'commander';
import { validateHistoryOptions, type HistoryOptions } from '../core/history.js';
import { age } from '../core/status.js';
import { shortName } from '../core/target.js';
import { deploymentRevisions } from '../actions/workloads.js';
import { formatData, formatTable } from '../ui/printer.js';
import { addConnectionOptions, addOutputOption } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

export function registerHistory(program: Command, deps: Deps): void {
  const cmd = program
    .command('history')
    .description("list a Deployment's revisions with their images (what mlk rollback can go back to)")
    .argument('[name]', 'an mlk NAME, or deployment/NAME');
  addOutputOption(cmd, ['table', 'json', 'yaml']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
The current revision is marked with *. Kubernetes keeps the last 10 revisions (revisionHistoryLimit).

Examples:
  mlk history tf-model-server
  mlk history deployment/legacy-api -o json`,
  );
  cmd.action(async (name: string | undefined, flags: { output?: string }, command: Command) => {
    const session = new Session(deps, command.optsWithGlobals());
    const options = validateHistoryOptions({ target: name, namespace: session.offlineNamespace() });
    options.namespace = await session.namespace();
    await runHistory(session, options, flags.output ?? 'table');
  });
}

export async function runHistory(session: CommandContext, o: HistoryOptions, output: string): Promise<void> {
  const kube = await session.kube();
  const { deployment, revisions } = await deploymentRevisions(kube, o);
  if (output === 'json' || output === 'yaml') {
    const data = {
      name: deployment.metadata.name,
      namespace: o.namespace,
      revisions: revisions.map((r) => ({
        revision: r.revision,
        current: r.current,
        images: r.images,
        created: r.created,
        change: r.change,
        replicaSet: r.replicaSet,
        replicas: r.replicas,
      })),
    };
    session.out(formatData(data, output));
    return;
  }
  if (revisions.length === 0) {
    session.info(`${shortName(deployment)} has no revisions yet.`);
    return;
  }
  const now = session.now();
  session.out(
    formatTable(
      ['REVISION', 'IMAGE', 'CREATED', 'CHANGE'],
      revisions.map((r) => [`${r.revision}${r.current ? ' *' : ''}`, r.images.join(','), r.created ? `${age(r.created, now)} ago` : '', r.change]),
    ),
  );
}
