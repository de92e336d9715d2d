import { SsdetError } from '@ssdet/core';

/** Which launcher started this process, as told by the variables it sets. */
export type Launcher = 'open-mpi' | 'pmix' | 'pmi' | 'slurm';

/** Where this process sits in a job started by `mpirun`, `srun` or another MPI launcher. */
export interface DistributedEnvironment {
  readonly launcher: Launcher;
  readonly rank: number;
  /** The number of processes, when the launcher says (PMIx alone does not: MPI will). */
  readonly size: number | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The launcher's rank and size from the environment, or `undefined` when no launcher started
 * this process. Read in order: Open MPI's `mpirun` (`OMPI_COMM_WORLD_RANK/SIZE`), PMIx
 * (`PMIX_RANK`, as `srun --mpi=pmix` and Open MPI set it), PMI-1/2 (`PMI_RANK/PMI_SIZE`, MPICH's
 * Hydra and `srun --mpi=pmi2`), then Slurm's own task variables (`SLURM_PROCID` with
 * `SLURM_STEP_NUM_TASKS`, which `srun` sets for every task of a step but a batch script itself
 * does not have). A malformed value is an error naming the variable, not a silent single run.
 */
export function detectDistributedEnvironment(
  env: Environment = process.env,
): DistributedEnvironment | undefined {
  const sizeFallback = (): number | undefined =>
    integerVariable(env, 'SLURM_STEP_NUM_TASKS', 1) ?? integerVariable(env, 'SLURM_NTASKS', 1);
  const openMpiRank = integerVariable(env, 'OMPI_COMM_WORLD_RANK', 0);
  if (openMpiRank !== undefined) {
    const size = integerVariable(env, 'OMPI_COMM_WORLD_SIZE', 1);
    return located('open-mpi', openMpiRank, size, 'OMPI_COMM_WORLD_RANK');
  }
  const pmixRank = integerVariable(env, 'PMIX_RANK', 0);
  if (pmixRank !== undefined) return located('pmix', pmixRank, sizeFallback(), 'PMIX_RANK');
  const pmiRank = integerVariable(env, 'PMI_RANK', 0);
  if (pmiRank !== undefined) {
    const size = integerVariable(env, 'PMI_SIZE', 1) ?? sizeFallback();
    return located('pmi', pmiRank, size, 'PMI_RANK');
  }
  const slurmRank = integerVariable(env, 'SLURM_PROCID', 0);
  const slurmSize = integerVariable(env, 'SLURM_STEP_NUM_TASKS', 1);
  if (slurmRank !== undefined && slurmSize !== undefined)
    return located('slurm', slurmRank, slurmSize, 'SLURM_PROCID');
  return undefined;
}

function located(
  launcher: Launcher,
  rank: number,
  size: number | undefined,
  rankVariable: string,
): DistributedEnvironment {
  if (size !== undefined && rank >= size) {
    throw new SsdetError(
      'DISTRIBUTED_ENV_INVALID',
      `${rankVariable}=${rank} is not below the job size ${size} the ${launcher} launcher set.`,
    );
  }
  return { launcher, rank, size };
}

/** The variable as an integer ≥ `minimum`, `undefined` when unset or empty. */
function integerVariable(env: Environment, name: string, minimum: number): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new SsdetError(
      'DISTRIBUTED_ENV_INVALID',
      `The environment variable ${name}=${JSON.stringify(text)} is not an integer ≥ ${minimum}.`,
    );
  }
  return value;
}
