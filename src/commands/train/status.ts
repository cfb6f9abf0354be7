import type { Command } from 'commander';
import type { ReportSection } from '../../core/train-report.js';
import { trainStatus } from '../../actions/train.js';
import { formatData, formatTable } from '../../ui/printer.js';
import { commandLine } from '../../flags/command-line.js';
import { addConnectionOptions } from '../../flags/options.js';
import type { CommandContext } from '../../flags/context.js';
import { Session, type Deps } from '../../cli/session.js';
import { validateName } from '../../core/validate.js';
import { outputFormat, type TrainCommonFlags } from './shared.js';

/** `mlk train status NAME`. */
export interface StatusOptions {
  name: string;
  output?: string;
}

export function registerStatus(train: Command, deps: Deps, run = runStatus): Command {
  const cmd = train
    .command('status')
    .description('show one training job (with its pods) or schedule (with its runs)')
    .argument('<name>', 'the job or schedule');
  addConnectionOptions(cmd);
  cmd.addHelpText('after', '\nAlso takes -o json|yaml of mlk train: the job (or schedule) with its pods (or runs).');
  cmd.action(async (name: string, _flags: unknown, command: Command) => {
    const flags = command.optsWithGlobals() as TrainCommonFlags;
    await run(new Session(deps, flags), { name: validateName(name, 'NAME'), output: flags.output });
  });
  return cmd;
}

function formatFields(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${`${k}:`.padEnd(width)}${v.replace(/\n/g, `\n${' '.repeat(width)}`)}`).join('\n');
}

function formatSection(s: ReportSection): string {
  const { title, table, none } = s.list;
  return `${formatFields(s.fields)}\n\n${title}:${table ? `\n${formatTable(table.headers, table.rows)}` : ` ${none}`}`;
}

export async function runStatus(session: CommandContext, o: StatusOptions): Promise<void> {
  const deps = { kube: await session.kube(), now: session.now(), gpuResource: session.settings.gpuResource, showCommand: commandLine };
  const report = await trainStatus(deps, o.name, await session.namespace());
  if (o.output) return session.out(formatData(report.data, outputFormat(o.output)));
  session.out(report.sections.map(formatSection).join('\n\n'));
}
