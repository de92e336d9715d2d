import { type ProcessGroup, SINGLE_PROCESS, SsdetError } from '@ssdet/core';

/** `ssdet pretrain --distributed`: join the MPI job we run in (auto), insist on it (mpi), or not (none). */
export type DistributedMode = 'auto' | 'mpi' | 'none';

/**
 * Variables that mpirun (Open MPI), PMIx/PMI launchers and Slurm set. When none is set, `auto`
 * is a single process without loading `@ssdet/distributed`; when one is, that package's
 * `openProcessGroup` reads them properly (a batch script's SLURM_NTASKS without srun is still one
 * process).
 */
const LAUNCHER_VARIABLES = [
  'OMPI_COMM_WORLD_SIZE',
  'OMPI_COMM_WORLD_RANK',
  'PMIX_RANK',
  'PMI_RANK',
  'PMI_SIZE',
  'SLURM_PROCID',
  'SLURM_NTASKS',
  'SLURM_STEP_NUM_TASKS',
];

/** The first launcher variable set in `env`, if any. */
export function launcherVariable(env: NodeJS.ProcessEnv): string | undefined {
  return LAUNCHER_VARIABLES.find((name) => (env[name] ?? '') !== '');
}

/** What the CLI needs of `@ssdet/distributed`; the package is imported only for a distributed run. */
interface DistributedModule {
  openProcessGroup(mode: DistributedMode): ProcessGroup;
}

/**
 * The run's process group. Without a launcher variable (and not `--distributed mpi`) this is
 * {@link SINGLE_PROCESS} and `@ssdet/distributed` is never loaded, so a single-process start-up
 * neither needs nor pays for the MPI addon. `@ssdet/distributed` finalizes MPI at exit.
 */
export async function openDistributed(
  mode: DistributedMode,
  env: NodeJS.ProcessEnv = process.env,
  load: () => Promise<unknown> = loadDistributedPackage,
): Promise<ProcessGroup> {
  if (mode === 'none') return SINGLE_PROCESS;
  const variable = launcherVariable(env);
  if (mode === 'auto' && variable === undefined) return SINGLE_PROCESS;
  const why =
    mode === 'mpi'
      ? '--distributed mpi'
      : `${variable} is set (an MPI launcher started this process)`;
  let module: unknown;
  try {
    module = await load();
  } catch (error) {
    throw new SsdetError(
      'DISTRIBUTED_UNAVAILABLE',
      `${why}, but @ssdet/distributed cannot be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); install it with Open MPI (openmpi-bin, libopenmpi-dev), or pass --distributed none.`,
    );
  }
  if (typeof (module as Partial<DistributedModule>).openProcessGroup !== 'function')
    throw new SsdetError(
      'DISTRIBUTED_UNAVAILABLE',
      `${why}, but the installed @ssdet/distributed exports no openProcessGroup(); install the version that goes with this CLI.`,
    );
  return (module as DistributedModule).openProcessGroup(mode);
}

/** Imported by name at run time: the CLI runs without the addon package installed. */
async function loadDistributedPackage(): Promise<unknown> {
  const specifier = '@ssdet/distributed';
  return import(specifier);
}
