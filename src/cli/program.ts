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
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}
