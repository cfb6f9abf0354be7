import type { Command } from 'commander';
import { redactText } from '../core/redact.js';
import { buildInfo } from '../tools/build-info.js';
import { formatData } from '../ui/printer.js';
import { addConnectionOptions, addOutputOption } from '../flags/options.js';
import type { CommandContext } from '../flags/context.js';
import { Session, type Deps } from '../cli/session.js';

interface VersionFlags {
  client?: boolean;
  output?: 'json' | 'yaml';
}

interface VersionReport {
  client: { mlk: string; commit?: string; node: string; platform: string };
  server?: { gitVersion: string; platform?: string; address: string };
}

export function registerVersion(program: Command, deps: Deps): void {
  const cmd = program
    .command('version')
    .description("print mlk's version and commit, Node.js's, and the cluster's version when it is reachable")
    .option('--client', 'only the client: do not contact a cluster');
  addOutputOption(cmd, ['json', 'yaml']);
  addConnectionOptions(cmd);
  cmd.addHelpText(
    'after',
    `
Without --client, an unreachable cluster is reported on stderr and the exit code is 1 (as kubectl version does);
the client part is printed all the same.

Examples:
  mlk version
  mlk version --client -o json`,
  );
  cmd.action(async (flags: VersionFlags, c: Command) => {
    const session = new Session(deps, c.optsWithGlobals());
    const { report, serverError } = await versionReport(session, !flags.client);
    session.out(flags.output ? formatData(report, flags.output) : versionText(report));
    if (serverError) throw serverError;
  });
}

/** The report, and why the server part is missing when it was asked for. */
async function versionReport(session: CommandContext, withServer: boolean): Promise<{ report: VersionReport; serverError?: unknown }> {
  const { version, commit } = buildInfo();
  const report: VersionReport = {
    client: { mlk: version, ...(commit ? { commit } : {}), node: process.version, platform: `${process.platform}/${process.arch}` },
  };
  if (!withServer) return { report };
  try {
    const kube = await session.kube();
    report.server = { ...(await kube.serverVersion()), address: redactText(kube.identity.server) };
    return { report };
  } catch (serverError) {
    return { report, serverError };
  }
}

function versionText(report: VersionReport): string {
  const { mlk, commit, node, platform } = report.client;
  const lines = [`Client: mlk ${mlk}${commit ? ` (commit ${commit.slice(0, 12)})` : ''}, Node.js ${node}, ${platform}`];
  if (report.server) lines.push(`Server: Kubernetes ${report.server.gitVersion} at ${report.server.address}`);
  return lines.join('\n');
}
