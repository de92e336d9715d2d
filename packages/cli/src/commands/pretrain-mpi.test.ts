import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCheckpointsClose,
  expectSameStepMetrics,
  latestCheckpoint,
  readStepMetrics,
} from '../test-support/mpi-job.js';
import { SSDET_BIN as bin } from '../test-support/run-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const addon = path.resolve(here, '../../../distributed/native/build/Release/ssdet_mpi.node');
const mpirunFound = spawnSync('mpirun', ['--version']).status === 0;
const missing = !mpirunFound
  ? 'mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)'
  : !existsSync(addon)
    ? `the MPI addon is not built (${addon}; npm run build:native -w @ssdet/distributed)`
    : !existsSync(path.resolve(here, '../../dist/bin.js'))
      ? 'the CLI is not built (npm run build)'
      : undefined;

/** One thread per rank, so that np 2 does not oversubscribe the cores and kernels are serial. */
const THREADS = { SSDET_NATIVE_THREADS: '1', OMP_NUM_THREADS: '1' };
/** The DenseCL demo recipe (global batch 8, shuffleBnGroups 2) on the native backend if built. */
const DEMO = ['pretrain', '--method', 'densecl', '--demo', '--set', 'train.data.workers=0'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-mpi-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

/** Runs `command` to its end; `during` may act on the running child (e.g. kill a rank). */
function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  during?: () => Promise<void>,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...THREADS, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
    during?.().catch(reject);
  });
}

const single = (...args: string[]) =>
  run(process.execPath, [bin, ...DEMO, '--distributed', 'none', ...args]);
const mpirun = (
  ranks: number,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  during?: () => Promise<void>,
) =>
  run(
    'mpirun',
    [
      '--allow-run-as-root',
      '--oversubscribe',
      '-np',
      String(ranks),
      ...Object.keys({ ...THREADS, ...env }).flatMap((name) => ['-x', name]),
      process.execPath,
      bin,
      ...DEMO,
      ...args,
    ],
    env,
    during,
  );

/** The pid of rank `rank` of the job whose ranks carry `marker` in their environment. */
async function rankPid(marker: string, rank: number): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    const variables = environ.split('\0');
    if (
      variables.includes(`SSDET_TEST_JOB=${marker}`) &&
      variables.includes(`OMPI_COMM_WORLD_RANK=${rank}`)
    )
      return Number(entry);
  }
  return undefined;
}

/** Whether process `pid` is gone within `ms` milliseconds. */
async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited <= ms; waited += 100) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

describe.skipIf(missing !== undefined)(
  `ssdet pretrain under mpirun (DenseCL demo, np 2 × 1 thread)${missing === undefined ? '' : ` — skipped: ${missing}`}`,
  () => {
    it('np 2 × batch 4 equals one process × batch 8 with shuffleBnGroups 2: per-step losses and final weights within 1e-5 over 5 steps', async () => {
      const one = path.join(dir, 'one');
      const two = path.join(dir, 'two');
      const alone = await single('--max-steps', '5', '--out', one);
      expect(alone.code, alone.output).toBe(0);
      const pair = await mpirun(2, ['--max-steps', '5', '--out', two]);
      expect(pair.code, pair.output).toBe(0);
      // Rank 0 alone reported and wrote: one summary, one metrics record per step.
      expect(pair.output.match(/Finished at step 5\/5/g)).toHaveLength(1);
      const [a, b] = [await readStepMetrics(one), await readStepMetrics(two)];
      expect(b.map((record) => record.step)).toEqual([1, 2, 3, 4, 5]);
      expectSameStepMetrics(b, a, 1e-5);
      expectCheckpointsClose((await latestCheckpoint(two))!, (await latestCheckpoint(one))!, 1e-5);
    });

    it('a killed rank fails the job naming it, the last checkpoint survives, and --resume with np 2 finishes', async () => {
      const runDir = path.join(dir, 'fault');
      const marker = `${process.pid}-${Date.now()}`;
      const killRank1AfterFirstCheckpoint = async () => {
        const first = path.join(runDir, 'checkpoints', 'step-000000002.ckpt');
        for (let waited = 0; !existsSync(first); waited += 50) {
          if (waited > 120_000) throw new Error('no checkpoint within 2 minutes');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const pid = await rankPid(marker, 1);
        if (pid === undefined) throw new Error('rank 1 not found');
        process.kill(pid, 'SIGKILL');
      };
      const args = ['--max-steps', '30', '--out', runDir, '--set', 'train.checkpointEvery=2'];
      const killed = await mpirun(
        2,
        args,
        { SSDET_TEST_JOB: marker },
        killRank1AfterFirstCheckpoint,
      );
      expect(killed.code).not.toBe(0);
      expect(killed.output).toMatch(/rank 1\b/);
      // mpirun has terminated the other rank as well: it is gone within moments, leaving its lock
      // to be taken over (a rank left hanging in a collective would keep the run locked).
      const lock = JSON.parse(await readFile(path.join(runDir, '.ssdet.lock'), 'utf8')) as {
        pid: number;
      };
      expect(await exitsWithin(lock.pid, 30_000)).toBe(true);
      const survivor = (await latestCheckpoint(runDir))!;
      expect(survivor.meta.step).toBeGreaterThanOrEqual(2);
      expect(survivor.meta.step).toBeLessThan(30);

      // Another number of processes is refused in one line naming both.
      const wrong = await single('--resume', ...args);
      expect(wrong.code).not.toBe(0);
      expect(wrong.output).toMatch(/written by a run of 2 process\(es\), this run has 1/);

      const resumed = await mpirun(2, ['--resume', ...args]);
      expect(resumed.code, resumed.output).toBe(0);
      expect(resumed.output).toMatch(/Finished at step 30\/30/);
      const records = await readStepMetrics(runDir);
      expect(records.map((record) => record.step)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    });
  },
);
