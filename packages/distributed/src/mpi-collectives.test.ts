import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MPI_ADDON_PATH } from './mpi-addon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WORKER = path.join(here, 'test-support', 'collectives-worker.mjs');
const BUILT_PACKAGE = path.join(here, '..', 'dist', 'index.js');
const RANKS = 2;

const hasMpirun = spawnSync('mpirun', ['--version'], { encoding: 'utf8' }).status === 0;
const hasAddon = existsSync(MPI_ADDON_PATH);
const skipReason = !hasMpirun
  ? 'mpirun not found (apt-get install openmpi-bin)'
  : !hasAddon
    ? 'the MPI addon is not built (npm run build:native -w @ssdet/distributed)'
    : '';
if (skipReason !== '') {
  process.stderr.write(`@ssdet/distributed MPI tests skipped: ${skipReason}\n`);
}

interface JobResult {
  readonly status: number;
  readonly output: string;
  /** Each rank's JSON report, indexed by rank. */
  readonly reports: Record<string, unknown>[];
}

/** Runs the worker's `scenario` as an `mpirun -np 2` job on this machine. */
function mpiJob(scenario: string): Promise<JobResult> {
  if (!existsSync(BUILT_PACKAGE)) {
    throw new Error(`${BUILT_PACKAGE} is missing: run \`npx tsc -b tsconfig.build.json\` first`);
  }
  const args = ['--allow-run-as-root', '--oversubscribe', '-np', String(RANKS)];
  return new Promise((resolve) => {
    execFile(
      'mpirun',
      [...args, process.execPath, WORKER, scenario],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        const reports: Record<string, unknown>[] = [];
        for (const line of stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const report = JSON.parse(line) as Record<string, unknown>;
          reports[Number(report['rank'])] = report;
        }
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ status: code, output: `${stdout}\n${stderr}`, reports });
      },
    );
  });
}

describe.skipIf(skipReason !== '')('MPI without a launcher', () => {
  it('runs --distributed mpi as a singleton job of one rank whose collectives keep the data', async () => {
    const script = [
      "import { openProcessGroup } from '@ssdet/distributed';",
      "const group = openProcessGroup('mpi', { env: {} });",
      'const buffers = [new Float32Array([3, -1.5])];',
      "group.allreduce(buffers, 'mean');",
      'group.broadcast(buffers, 0);',
      'const parts = group.allgather(new Float32Array([7]));',
      'group.barrier();',
      'console.log(JSON.stringify([group.rank, group.size, Array.from(buffers[0]), parts.map((p) => Array.from(p))]));',
    ].join('\n');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script],
        { cwd: path.join(here, '..'), encoding: 'utf8', timeout: 60_000 },
        (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(stderr))),
      );
    });
    expect(JSON.parse(output.trim())).toEqual([0, 1, [3, -1.5], [[7]]]);
  });
});

// Each job starts Node twice under mpirun (seconds) and moves ~60 MB per rank; loaded CI is slow.
describe.skipIf(skipReason !== '')(
  `MPI collectives under mpirun -np ${RANKS}`,
  { timeout: 180_000 },
  () => {
    it('sums and averages 308 buffers from 0 to 20 MB exactly, fused and in place', async () => {
      const job = await mpiJob('allreduce');
      expect(job.status, job.output).toBe(0);
      expect(job.reports).toHaveLength(RANKS);
      for (const report of job.reports) {
        expect(report).toMatchObject({ size: RANKS, buffers: 308 });
        expect(report['sum']).toEqual({ error: 0, elements: 14_466_963 });
        expect(report['mean']).toEqual({ error: 0, elements: 14_466_963 });
      }
    });

    it('broadcasts every buffer from the last rank to all', async () => {
      const job = await mpiJob('broadcast');
      expect(job.status, job.output).toBe(0);
      expect(job.reports).toHaveLength(RANKS);
      for (const report of job.reports) {
        expect(report).toMatchObject({ root: RANKS - 1, error: 0, elements: 14_466_963 });
      }
    });

    it('gathers buffers of different lengths per rank, empty ones included, in rank order', async () => {
      const job = await mpiJob('allgather');
      expect(job.status, job.output).toBe(0);
      const parts = Array.from({ length: RANKS }, (_, rank) =>
        Array.from({ length: 3 * rank + 2 }, (_, j) => 100 * rank + j),
      );
      const sparse = parts.map((part, rank) => (rank === 1 ? [] : part));
      expect(job.reports).toHaveLength(RANKS);
      for (const report of job.reports) {
        expect(report['gathered']).toEqual(parts);
        expect(report['sparse']).toEqual(sparse);
      }
    });

    it("surfaces MPI's error for a root outside the job as a JavaScript Error, and goes on", async () => {
      const job = await mpiJob('bad-root');
      expect(job.status, job.output).toBe(0);
      expect(job.reports).toHaveLength(RANKS);
      for (const report of job.reports) {
        expect(report['message']).toBe('Error: MPI_Bcast failed: MPI_ERR_ROOT: invalid root');
        expect(report['after']).toBe(RANKS);
      }
    });

    it('fails the whole job, naming the rank, when one rank exits with code 3', async () => {
      const job = await mpiJob('rank-exits');
      expect(job.status).not.toBe(0);
      expect(job.reports).toEqual([]);
      // Open MPI names a process [[job, step], rank].
      expect(job.output).toMatch(new RegExp(`Process name: +\\[\\[\\d+,\\d+\\],${RANKS - 1}\\]`));
      expect(job.output).toMatch(/Exit code: +3/);
    });
  },
);
