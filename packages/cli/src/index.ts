export { runCli } from './program.js';
export { processIo, type CliIo } from './io.js';
