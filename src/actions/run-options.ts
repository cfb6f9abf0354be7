/** none: apply; client: print the manifests, send nothing; server: the API checks them and changes nothing. */
export type DryRun = 'none' | 'client' | 'server';

export interface RunDeployOptions {
  dryRun: DryRun;
  output?: string;
  wait: boolean;
  force: boolean;
  timeoutMs: number;
  /** Install as this Helm release instead of applying (mlk deploy --helm). */
  helm?: { release: string };
}
