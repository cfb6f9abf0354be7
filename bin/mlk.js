#!/usr/bin/env node
// The only place that touches process.argv, exit codes and the real streams.
import module from 'node:module';

module.enableCompileCache?.();
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`mlk needs Node.js 22 or newer (this is ${process.version}); run: source scripts/use-node.sh\n`);
  process.exit(1);
}

// One bundled module (npm run build): startup does not resolve dozens of files.
const { runMlk, processIO } = await import('../dist/bundle/mlk.js');

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  controller.abort();
  setTimeout(() => process.exit(130), 3000).unref();
});
// A reader that went away (| head) is normal; any other output error (a full disk) is one line and exit 1.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  const why = error.code && !error.message.startsWith(error.code) ? `${error.code}: ${error.message}` : error.message;
  process.stderr.write(`error: cannot write to stdout: ${why.replace(/, write$/, '')}\n`);
  process.exit(1);
});
// Nowhere left to report a broken stderr: end with the outcome so far, without a stack.
process.stderr.on('error', (error) => {
  process.exit(error.code === 'EPIPE' ? (process.exitCode ?? 0) : process.exitCode || 1);
});

const code = await runMlk(process.argv.slice(2), {
  io: processIO(),
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
