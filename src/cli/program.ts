import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { addConnectionOptions } from './options.js';
import type { Deps } from './session.js';
import { registerDeploy } from './commands/deploy.js';
import { registerExpose } from './commands/expose.js';
import { registerLogs } from './commands/logs.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(deps: Deps): Command {
  const program = new Command('mlk')
    .description('Put ML models and training jobs on Kubernetes without hand-writing YAML.')
    .version(version(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ showGlobalOptions: false, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.io.stdout.write(text),
      writeErr: (text) => deps.io.stderr.write(text),
    });
  addConnectionOptions(program);
  program.addHelpText('after', `
Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted.
Configuration: flags > MLK_* environment variables > ./mlk.yaml (or --config) > defaults.`);
  registerDeploy(program, deps);
  registerExpose(program, deps);
  registerLogs(program, deps);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(program.configureOutput());
  return program;
}
