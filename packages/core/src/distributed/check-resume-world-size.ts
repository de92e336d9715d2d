import { SsdetError } from '../errors/ssdet-error.js';

/**
 * Refuses to resume a checkpoint written by a run of another number of processes: the global
 * batch, its sharding and the shuffle-BN groups would all change under the run's feet.
 * `saved` is the checkpoint's `worldSize` (undefined in checkpoints from before it was
 * recorded: a single process).
 */
export function checkResumeWorldSize(
  saved: number | undefined,
  current: number,
  file: string,
): void {
  const written = saved ?? 1;
  if (written === current) return;
  throw new SsdetError(
    'RESUME_WORLD_SIZE_MISMATCH',
    `--resume: ${file} was written by a run of ${written} process(es), this run has ${current}; resume with the same number of processes (mpirun -np ${written}).`,
  );
}
