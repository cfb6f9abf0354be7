import type { Command } from 'commander';
import type { Deps } from '../../cli/session.js';
import { registerDelete } from './delete.js';
import { registerList } from './list.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerSubmit } from './submit.js';

/** `mlk train NAME ...` and its subcommands run, list, status and delete. */
export function registerTrain(program: Command, deps: Deps): void {
  const train = registerSubmit(program, deps);
  registerRun(train, deps);
  registerList(train, deps);
  registerStatus(train, deps);
  registerDelete(train, deps);
  // `mlk train help [SUBCOMMAND]`: commander adds no help command to a command that has its own action.
  train.helpCommand(true);
}
