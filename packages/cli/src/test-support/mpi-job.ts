import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointManager, EventBus, Logger } from '@ssdet/core';
import { expectClose } from '@ssdet/test-support';
import { expect } from 'vitest';
import { SSDET_BIN } from './run-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const addon = path.resolve(here, '../../../distributed/native/build/Release/ssdet_mpi.node');

/** Why `mpirun` jobs cannot run here, or undefined when they can. */
export function mpiJobsUnavailable(): string | undefined {
  if (spawnSync('mpirun', ['--version']).status !== 0)
    return 'mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)';
  if (!existsSync(addon))
    return `the MPI addon is not built (${addon}; npm run build:native -w @ssdet/distributed)`;
  if (!existsSync(path.resolve(here, '../../dist/bin.js')))
    return 'the CLI is not built (npm run build)';
  return undefined;
}

/** One thread per rank, so that np 2 does not oversubscribe the cores and kernels are serial. */
export const ONE_THREAD = { SSDET_NATIVE_THREADS: '1', OMP_NUM_THREADS: '1' } as const;

export interface FinishedJob {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `command` in `cwd` to its end with one thread per process, collecting its output. */
function run(cwd: string, command: string, args: readonly string[]): Promise<FinishedJob> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...ONE_THREAD } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** `ssdet <args> --distributed none` in one process. */
export function ssdetAlone(cwd: string, args: readonly string[]): Promise<FinishedJob> {
  return run(cwd, process.execPath, [SSDET_BIN, ...args, '--distributed', 'none']);
}

/** `mpirun -np <ranks> ssdet <args>` as root on loopback, one thread per rank. */
export function ssdetUnderMpirun(
  cwd: string,
  ranks: number,
  args: readonly string[],
): Promise<FinishedJob> {
  return run(cwd, 'mpirun', [
    '--allow-run-as-root',
    '--oversubscribe',
    '-np',
    String(ranks),
    ...Object.keys(ONE_THREAD).flatMap((name) => ['-x', name]),
    process.execPath,
    SSDET_BIN,
    ...args,
  ]);
}

/** One line of a run's `metrics.jsonl`. */
export interface StepMetrics {
  readonly step: number;
  readonly loss: number;
  readonly terms: Record<string, number>;
}

export async function readStepMetrics(runDir: string): Promise<StepMetrics[]> {
  const text = await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as StepMetrics);
}

/** The run's newest checkpoint (undefined if it has none). */
export function latestCheckpoint(runDir: string) {
  return new CheckpointManager(
    path.join(runDir, 'checkpoints'),
    1,
    new Logger(new EventBus(), 'test'),
  ).loadLatest();
}

/**
 * The run's checkpoint of `step` (kept with `train.keepCheckpoints`), read through a scratch
 * directory `<runDir>.step<step>` that holds only a link to it.
 */
export async function checkpointAt(runDir: string, step: number) {
  const name = `step-${String(step).padStart(9, '0')}.ckpt`;
  const scratch = path.join(`${runDir}.step${step}`, 'checkpoints');
  await mkdir(scratch, { recursive: true });
  await symlink(path.join(runDir, 'checkpoints', name), path.join(scratch, name));
  return latestCheckpoint(path.dirname(scratch));
}

/**
 * Asserts that two runs logged the same steps and, within `tolerance` (relative per element),
 * the same loss and the same value of every term at each.
 */
export function expectSameStepMetrics(
  actual: readonly StepMetrics[],
  expected: readonly StepMetrics[],
  tolerance: number,
): void {
  expect(actual.map((record) => record.step)).toEqual(expected.map((record) => record.step));
  expectClose(
    actual.map((record) => record.loss),
    expected.map((record) => record.loss),
    tolerance,
    { relative: 'element', label: 'loss ' },
  );
  for (const term of Object.keys(expected[0]!.terms))
    expectClose(
      actual.map((record) => record.terms[term]!),
      expected.map((record) => record.terms[term]!),
      tolerance,
      { relative: 'element', label: `${term} ` },
    );
}

type LoadedCheckpoint = NonNullable<Awaited<ReturnType<typeof latestCheckpoint>>>;

/**
 * Asserts that a checkpoint written by a 2-rank job holds the same tensors as one process's,
 * each within `tolerance` (relative per element). `label` prefixes the failure message.
 */
export function expectCheckpointsClose(
  ranks: LoadedCheckpoint,
  alone: LoadedCheckpoint,
  tolerance: number,
  label = '',
): void {
  expect(ranks.meta.worldSize).toBe(2);
  expect([...ranks.tensors.keys()].sort()).toEqual([...alone.tensors.keys()].sort());
  for (const [name, tensor] of alone.tensors)
    expectClose(ranks.tensors.get(name)!.data, tensor.data, tolerance, {
      relative: 'element',
      label: `${label}${name} `,
    });
}

/** The largest |a − b| / max(1, |b|) over two equally long lists (`expectClose`'s measure). */
export function worstRelativeDifference(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(
      worst,
      Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)),
    );
  return worst;
}
