import { displayName, type KubeObject } from '../core/kube-object.js';
import type { ApplyResult } from '../kube/client.js';
import { formatObjects } from '../ui/printer.js';
import type { DryRun } from './run-options.js';
import type { ActionContext } from './context.js';

/**
 * Applies objects in order with server-side apply and reports each like kubectl apply does. A plan of
 * several objects is first checked whole by a server-side dry run, so an object the API server refuses
 * leaves nothing of the plan applied.
 */
export async function applyObjects(ctx: ActionContext, objects: KubeObject[], options: { dryRun: DryRun; force: boolean }): Promise<ApplyResult[]> {
  const kube = await ctx.kube();
  if (options.dryRun === 'none' && objects.length > 1) {
    for (const obj of objects) await kube.apply(obj, { dryRun: true, force: options.force });
  }
  const results: ApplyResult[] = [];
  for (const obj of objects) results.push(await kube.apply(obj, { dryRun: options.dryRun === 'server', force: options.force }));
  return results;
}

export function reportApplied(ctx: ActionContext, results: ApplyResult[], dryRun: DryRun, output: string | undefined): void {
  if (output === 'yaml' || output === 'json') {
    ctx.out(
      formatObjects(
        results.map((r) => r.object),
        output,
      ),
    );
    return;
  }
  const suffix = dryRun === 'server' ? ' (server dry run)' : '';
  for (const r of results)
    ctx.out(`${displayName({ apiVersion: r.object.apiVersion, kind: r.object.kind, name: r.object.metadata.name })} ${r.outcome}${suffix}`);
}
