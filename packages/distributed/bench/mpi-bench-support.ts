import { execFileSync, spawnSync } from 'node:child_process';
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

export interface MpiBenchJob {
  readonly ranks: number;
  /** The worker script each rank runs with this Node. */
  readonly worker: string;
  readonly args: readonly string[];
  /** Packages whose built `dist/` the worker imports. */
  readonly builtPackages: readonly string[];
  /** Variables set for every rank (exported to them with mpirun's `-x`). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs one `mpirun -np <ranks>` job of a bench worker and returns the result its ranks print (the
 * last JSON line), or why it could not run here. A bench times its own rounds inside the job, so
 * one job per run is enough.
 */
export function runMpiBenchJob<T>(job: MpiBenchJob): T | string {
  const missing = mpiBenchUnavailable(job.builtPackages);
  if (missing !== undefined) return `not measured: ${missing}`;
  const env = job.env ?? {};
  const stdout = execFileSync(
    'mpirun',
    [
      '--allow-run-as-root',
      '--oversubscribe',
      '-np',
      String(job.ranks),
      ...Object.keys(env).flatMap((name) => ['-x', name]),
      process.execPath,
      job.worker,
      ...job.args,
    ],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 2 ** 20,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return lastJsonLine<T>(stdout);
}
