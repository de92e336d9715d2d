import { SINGLE_PROCESS, SsdetError, type ProcessGroup } from '@ssdet/core';
import { detectDistributedEnvironment } from './environment.js';
import { MpiProcessGroup, type MpiProcessGroupOptions } from './mpi-process-group.js';

/** `--distributed`: detect a launcher (`auto`), insist on MPI (`mpi`), or run alone (`none`). */
export type DistributedMode = 'auto' | 'mpi' | 'none';

export const DISTRIBUTED_MODES: readonly DistributedMode[] = ['auto', 'mpi', 'none'];

export interface OpenProcessGroupOptions extends MpiProcessGroupOptions {
  /** Where to look for a launcher's variables (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The process group for a run:
 *
 * - `none`: {@link SINGLE_PROCESS}, whatever the environment says;
 * - `auto`: MPI when a launcher (`mpirun`, `srun`, …) started this process as one of several,
 *   else {@link SINGLE_PROCESS};
 * - `mpi`: MPI always (alone, MPI runs as a singleton of size 1).
 *
 * When MPI is needed but the addon is not built or does not load, a one-line {@link SsdetError}
 * says how to build it: N copies of an undistributed run would each write the same outputs.
 */
export function openProcessGroup(
  mode: DistributedMode = 'auto',
  options: OpenProcessGroupOptions = {},
): ProcessGroup {
  if (!DISTRIBUTED_MODES.includes(mode)) {
    throw new SsdetError(
      'DISTRIBUTED_MODE_INVALID',
      `--distributed ${String(mode)}: expected one of ${DISTRIBUTED_MODES.join(', ')}.`,
    );
  }
  if (mode === 'none') return SINGLE_PROCESS;
  const launched = detectDistributedEnvironment(options.env ?? process.env);
  if (mode === 'auto' && (launched === undefined || launched.size === 1)) return SINGLE_PROCESS;
  try {
    return new MpiProcessGroup(options);
  } catch (error) {
    if (error instanceof SsdetError) throw error;
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    const why =
      mode === 'mpi' || launched === undefined
        ? '--distributed mpi needs MPI'
        : `This process was launched as rank ${launched.rank} of ${launched.size ?? 'several'} (${launched.launcher} environment), so it needs MPI`;
    throw new SsdetError(
      'DISTRIBUTED_MPI_UNAVAILABLE',
      `${why}, but ${reason.replace(/^the /, "@ssdet/distributed's ")}.`,
      { cause: error },
    );
  }
}
