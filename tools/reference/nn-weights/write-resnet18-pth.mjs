// Step (c) of make_fixtures.py: `node tools/reference/nn-weights/write-resnet18-pth.mjs <out.pth>`
// (from the repository root). Runs write-resnet18-pth.ts from source through Vite's module
// runner, with the nn package's test configuration (source condition, decorators).
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: node tools/reference/nn-weights/write-resnet18-pth.mjs <out.pth>\n');
  process.exit(2);
}
const { module } = await runnerImport(
  fileURLToPath(new URL('./write-resnet18-pth.ts', import.meta.url)),
  {
    configFile: fileURLToPath(new URL('../../../packages/nn/vitest.config.ts', import.meta.url)),
    logLevel: 'error',
  },
);
await module.main(out);
