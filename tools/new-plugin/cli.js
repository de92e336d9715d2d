#!/usr/bin/env node
// @ts-check
// `npm run new-plugin -- <method> [--out <dir>]`: scaffold a method plugin (see docs/writing-a-plugin.md).
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
  const result = await generatePlugin({
    method,
    ...(values.out === undefined
      ? { repoRoot }
      : { outDir: path.resolve(process.cwd(), values.out) }),
  });
  console.log(`Created ${path.relative(process.cwd(), result.dir) || '.'}:`);
  for (const file of result.files) console.log(`  ${path.relative(process.cwd(), file)}`);
  const next =
    values.out === undefined
      ? [
          'npm install        # links the new package',
          'npm run build      # tsconfig.build.json now references it',
          `npx vitest run --project plugin-${method}`,
          `npm run ssdet -- pretrain --method ${method} --demo --max-steps 3`,
        ]
      : [
          `cd ${values.out}`,
          'npm install && npm run typecheck && npm test',
          `npm run build && ssdet pretrain --method ${method} --demo --max-steps 3 --plugin .`,
        ];
  console.log(`Next:\n${next.map((line) => `  ${line}`).join('\n')}`);
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
