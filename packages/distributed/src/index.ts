/**
 * `@ssdet/distributed`: data-parallel collectives over MPI. {@link openProcessGroup} gives the
 * run's `ProcessGroup` (MPI under `mpirun`/`srun`, a single process otherwise); the MPI addon is
 * optional and built at install when `mpicxx` is present.
 */
export {
  detectDistributedEnvironment,
  type DistributedEnvironment,
  type Launcher,
} from './environment.js';
export {
  DEFAULT_FUSION_BYTES,
  MpiProcessGroup,
  type MpiProcessGroupOptions,
} from './mpi-process-group.js';
export {
  DISTRIBUTED_MODES,
  openProcessGroup,
  type DistributedMode,
  type OpenProcessGroupOptions,
} from './open-process-group.js';
export { MPI_ADDON_PATH, MPI_BUILD_HINT, isMpiAddonBuilt } from './mpi-addon.js';
