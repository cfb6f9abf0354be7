import { describe, expect, it } from 'vitest';
import { run } from '../support/harness.js';

/** The first line of a command's help: its usage. */
function usage(stdout: string): string {
  return stdout.split('\n')[0]!;
}

describe('help for a nested command', () => {
  it.each([
    [['help', 'deploy', 'model'], 'Usage: mlk deploy model '],
    [['help', 'deploy', 'app'], 'Usage: mlk deploy app '],
    [['help', 'chart', 'train'], 'Usage: mlk chart train '],
    [['help', 'train', 'status'], 'Usage: mlk train status '],
    [['help', 'train'], 'Usage: mlk train NAME '],
    [['help', 'deploy'], 'Usage: mlk deploy '],
    [['deploy', 'help', 'model'], 'Usage: mlk deploy model '],
    [['train', 'help'], 'Usage: mlk train NAME '],
    [['train', 'help', 'status'], 'Usage: mlk train status '],
    [['train', 'help', 'delete'], 'Usage: mlk train delete '],
  ])('mlk %j prints the help asked for, on stdout, exit 0, without a cluster', async (argv, expected) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(usage(r.stdout)).toContain(expected);
    expect(r.stderr).toBe('');
    expect(r.connected).toBe(false);
  });

  it('mlk help and mlk --help still print the top-level help, listing the help command', async () => {
    const help = await run(['help']);
    const flag = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(help.stdout).toMatch(/^ {2}help \[command\]\s+display help for command$/m);
  });

  it('mlk train --help lists help among the subcommands', async () => {
    const r = await run(['train', '--help']);
    expect(r.stdout).toMatch(/^ {2}help \[command\]\s+display help for command$/m);
  });

  it('a word that names no subcommand prints the help of the last command it named, as before', async () => {
    const r = await run(['help', 'deploy', 'bogus']);
    expect(r.code).toBe(0);
    expect(usage(r.stdout)).toContain('Usage: mlk deploy ');
  });
});
