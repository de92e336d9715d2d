import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MPI_ADDON_PATH } from '../src/mpi-addon.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Why an mpirun bench job cannot run here (the packages it imports must be built), or undefined. */
export function mpiBenchUnavailable(builtPackages: readonly string[]): string | undefined {
  if (spawnSync('mpirun', ['--version']).status !== 0) return 'mpirun not found';
  if (!existsSync(MPI_ADDON_PATH)) return 'the MPI addon is not built';
  for (const name of builtPackages)
    if (!existsSync(join(REPO, 'packages', name, 'dist', 'index.js')))
      return 'run `npx tsc -b tsconfig.build.json`';
  return undefined;
}

/** The last line of a job's output that is a JSON object: where its workers print their result. */
export function lastJsonLine<T>(stdout: string): T {
  const line = stdout
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .at(-1);
  if (line === undefined) throw new Error(`no result line in:\n${stdout}`);
  return JSON.parse(line) as T;
}
