import { InterruptedError, MlkError } from '../core/errors.js';
import { redactArgv } from '../core/redact.js';
import type { ActionContext } from './context.js';

/** kubectl's own exit code, carried out of mlk unchanged. */
export class ChildExitError extends MlkError {
  override readonly exitCode: number;
  constructor(message: string, code: number) {
    super(message);
    this.exitCode = code;
    this.name = 'ChildExitError';
  }
}

/** --kubeconfig and --context as mlk resolved them, for kubectl. */
export function connectionArgs(ctx: ActionContext): string[] {
  const { kubeconfig, context } = ctx.tools();
  return [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...(context ? ['--context', context] : [])];
}

/** Runs kubectl with the terminal attached; its exit code becomes mlk's. */
export async function runKubectl(ctx: ActionContext, args: string[]): Promise<void> {
  const { kubectl: binary, runner } = ctx.tools();
  // Secrets (a password in the command, credentials in a URL) are not echoed: core/redact.ts.
  ctx.info(`Running: ${redactArgv([binary.split('/').pop() ?? 'kubectl', ...args]).join(' ')}`);
  const interrupted = () => new InterruptedError(`Interrupted: kubectl ${args[0]} stopped.`);
  if (ctx.signal?.aborted) throw interrupted();
  const result = await runner.run(binary, args, { inherit: true, signal: ctx.signal });
  if (ctx.signal?.aborted) throw interrupted();
  if (result.notFound) {
    throw new MlkError(
      `kubectl was not found (looked for "${binary}")`,
      'install kubectl (https://kubernetes.io/docs/tasks/tools/) or point MLK_KUBECTL at it',
    );
  }
  if (result.exitCode !== 0) throw new ChildExitError(`kubectl ${args[0]} exited with code ${result.exitCode}`, result.exitCode);
}
