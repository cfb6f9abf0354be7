// Bundles mlk's own code with commander, chalk and yaml into one module so that startup
// (`--help`, `--dry-run`) does not resolve and load dozens of files; heavier libraries stay
// external and are imported only by the commands that need them.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/index.js',
  platform: 'node',
  external: ['@kubernetes/client-node', 'ora', '@inquirer/prompts', 'execa'],
  // The build prints no warnings. MLK_STRICT_BUILD=1 (the `build` check of npm run test:all) turns a
  // warning into an error, so a new one fails CI instead of scrolling by.
  onLog(level, log, handler) {
    handler(level === 'warn' && process.env.MLK_STRICT_BUILD === '1' ? 'error' : level, log);
  },
  output: { dir: 'dist/bundle', format: 'esm', minify: true, cleanDir: true, entryFileNames: 'mlk.js', chunkFileNames: '[name]-[hash].js' },
});
