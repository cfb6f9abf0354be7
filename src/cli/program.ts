import { Command } from 'commander';
import { packageVersion } from '../tools/package-root.js';
import { addConnectionOptions } from '../flags/options.js';
import type { Deps } from './session.js';
import { registerDeploy } from '../commands/deploy.js';
import { registerExpose } from '../commands/expose.js';
import { registerChart } from '../commands/chart.js';
import { registerHelm } from '../commands/helm.js';
import { registerLogs } from '../commands/logs.js';
import { registerTrain } from '../commands/train/index.js';
import { registerScale } from '../commands/scale.js';
import { registerAutoscale } from '../commands/autoscale.js';
import { registerStatus } from '../commands/status.js';
import { registerRollback } from '../commands/rollback.js';
import { registerHistory } from '../commands/history.js';
import { registerDelete } from '../commands/delete.js';
import { registerExec } from '../commands/exec.js';
import { registerPortForward } from '../commands/port-forward.js';
import { registerTop } from '../commands/top.js';
import { registerVersion } from '../commands/version.js';
import { registerCompletion } from '../commands/completion.js';

export function buildProgram(deps: Deps): Command {
  const program = new Command('mlk')
    .description('Put ML models and training jobs on Kubernetes without hand-writing YAML.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: false, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout.write(text),
      writeErr: (text) => deps.io.stderr.write(text),
    });
  addConnectionOptions(program);
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.
Configuration: flags > MLK_* environment variables > ./mlk.yaml (or --config) > defaults.`,
  );
  registerDeploy(program, deps);
  registerExpose(program, deps);
  registerChart(program, deps);
  registerHelm(program, deps);
  registerLogs(program, deps);
  registerTrain(program, deps);
  registerScale(program, deps);
  registerAutoscale(program, deps);
  registerStatus(program, deps);
  registerRollback(program, deps);
  registerHistory(program, deps);
  registerDelete(program, deps);
  registerExec(program, deps);
  registerPortForward(program, deps);
  registerTop(program, deps);
  registerVersion(program, deps);
  registerCompletion(program, deps);
  addNestedHelp(program);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/**
 * `mlk help A B ...` prints the help of the command `A B` at any depth (commander's help command reads
 * only one word, so `mlk help deploy model` printed the help of deploy). A word that names no
 * subcommand stops the walk: the help of the last command named is printed, as before.
 */
function addNestedHelp(program: Command): void {
  // A real (hidden) `help` command takes every word; commander's implicit one stays in the listing.
  const help = program
    .command('help', { hidden: true })
    .argument('[command...]')
    .helpOption(false)
    .allowUnknownOption()
    .action((words: string[]) => {
      let target = program;
      for (const word of words) {
        const sub = target.commands.find((c) => c !== help && (c.name() === word || c.aliases().includes(word)));
        if (!sub) break;
        target = sub;
      }
      target.help();
    });
  program.helpCommand(true);
}
