export { runMlk } from './cli/main.js';
export { processIO } from './ui/io.js';
