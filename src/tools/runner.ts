/** External commands (kubectl, helm) go through this, always as an argv array, never a shell string. */
export interface ProcessRunner {
  run(
    file: string,
    args: string[],
    options?: { inherit?: boolean; env?: Record<string, string>; input?: string; signal?: AbortSignal },
  ): Promise<{ exitCode: number; stdout: string; stderr: string; notFound?: boolean }>;
}

export function execaRunner(): ProcessRunner {
  return {
    async run(file, args, options = {}) {
      const { execa } = await import('execa');
      const result = await execa(file, args, {
        reject: false,
        stdio: options.inherit ? 'inherit' : 'pipe',
        env: options.env,
        input: options.input,
        cancelSignal: options.signal,
      });
      const notFound = (result as { code?: string }).code === 'ENOENT';
      return { exitCode: result.exitCode ?? (notFound ? 127 : 1), stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), notFound };
    },
  };
}
