import type { Command } from 'commander';
import type { DryRun } from '../../actions/run-options.js';
import { MlkError, UsageError } from '../../core/errors.js';
import { oneOf, validateName } from '../../core/validate.js';
import { displayName, type ObjectRef } from '../../core/kube-object.js';
import { findTrainingObjects } from '../../actions/train.js';
import { addConnectionOptions, parseDryRun } from '../../flags/options.js';
import type { CommandContext } from '../../flags/context.js';
import { Session, type Deps } from '../../cli/session.js';
import type { TrainCommonFlags } from './shared.js';

interface DeleteFlags extends TrainCommonFlags {
  cascade?: string;
}

/** `mlk train delete NAME`. */
export interface DeleteOptions {
  name: string;
  dryRun: DryRun;
  propagation: 'Foreground' | 'Background';
  yes: boolean;
}

export function registerDelete(train: Command, deps: Deps, run = runDelete): Command {
  const cmd = train
    .command('delete')
    .description('delete a training job or schedule mlk made, with its pods (and runs) and its headless Service')
    .argument('<name>', 'the job or schedule')
    .option('--cascade <mode>', 'background: return at once, pods go shortly after; foreground: the API removes pods first (default background)');
  addConnectionOptions(cmd);
  cmd.addHelpText('after', '\nAsks for confirmation on a terminal; without one, pass --yes. Also takes --dry-run of mlk train.');
  cmd.action(async (name: string, _flags: unknown, command: Command) => {
    const flags = command.optsWithGlobals() as DeleteFlags;
    const session = new Session(deps, flags);
    await run(session, completeDelete(name, flags));
  });
  return cmd;
}

/** Checks the flags; no request is made. */
export function completeDelete(name: string, flags: DeleteFlags): DeleteOptions {
  validateName(name, 'NAME');
  const dryRun = parseDryRun(flags.dryRun);
  const cascade = oneOf(flags.cascade ?? 'background', ['background', 'foreground'] as const, '--cascade');
  return { name, dryRun, propagation: cascade === 'foreground' ? 'Foreground' : 'Background', yes: Boolean(flags.yes) };
}

/** Asks on a terminal; without one, --yes is required. */
async function confirm(session: CommandContext, refs: ObjectRef[], namespace: string): Promise<void> {
  const what = refs.map((r) => displayName(r)).join(', ');
  const prompter = session.prompter();
  if (!prompter) throw new UsageError(`--yes is required to delete ${what} when not running interactively`);
  const runs = refs.some((r) => r.kind === 'CronJob') ? ', the jobs it started' : '';
  if (!(await prompter.confirm(`Delete ${what}${runs} and their pods in namespace ${namespace}?`, false))) throw new MlkError('Nothing was deleted.');
}

export async function runDelete(session: CommandContext, o: DeleteOptions): Promise<void> {
  const kube = await session.kube();
  const namespace = await session.namespace();
  const refs = await findTrainingObjects(kube, o.name, namespace);
  if (!o.yes && o.dryRun === 'none') await confirm(session, refs, namespace);
  const suffix = o.dryRun === 'none' ? '' : ` (${o.dryRun} dry run)`;
  for (const ref of refs) {
    const gone = o.dryRun === 'client' ? true : await kube.delete(ref, { propagation: o.propagation, dryRun: o.dryRun === 'server' });
    session.out(`${displayName(ref)} ${gone ? 'deleted' : 'was already gone'}${suffix}`);
  }
}
