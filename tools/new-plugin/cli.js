#!/usr/bin/env node
// @ts-check
// `npm run new-plugin -- <method> [--out <dir>]`: scaffold a method plugin (see docs/writing-a-plugin.md).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generatePlugin } from './generate.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const method = positionals[0];
  if (values.help === true || method === undefined || positionals.length > 1) {
    console.error(
      'usage: npm run new-plugin -- <method-name> [--out <dir>]\n' +
        '  without --out: packages/plugin-<method-name> in this repository\n' +
        '  with --out:    a stand-alone package (for publishing outside this repository)',
    );
    return values.help === true ? 0 : 2;
  }
  /** @type {{ version: string }} */
  const core = JSON.parse(
    await readFile(path.join(repoRoot, 'packages', 'core', 'package.json'), 'utf8'),
  );
  const result = await generatePlugin({
    method,
    coreVersion: core.version,
    ...(values.out === undefined
      ? { repoRoot }
      : { outDir: path.resolve(process.cwd(), values.out) }),
  });
  console.log(`Created ${path.relative(process.cwd(), result.dir) || '.'}:`);
  for (const file of result.files) console.log(`  ${path.relative(process.cwd(), file)}`);
  console.log(
    values.out === undefined
      ? `Next: npm install && npx vitest run --project plugin-${method}`
      : `Next: cd ${values.out} && npm install && npm test`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
