import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The C++ addon (`native/mpi_addon.cc`, built by `npm run build:native -w @ssdet/distributed`).
 * Float32Arrays are read and written in place; every function throws an Error with MPI's own
 * message when MPI reports a failure.
 */
export interface MpiAddon {
  /** Initializes MPI once (FUNNELED) and sets the fusion buffer's size; later calls only report. */
  init(fusionBytes?: number): { rank: number; size: number };
  allreduce(buffers: readonly Float32Array[], mean: boolean): void;
  broadcast(buffers: readonly Float32Array[], root: number): void;
  /** Every rank's buffer, concatenated in rank order, and each rank's length. */
  allgather(buffer: Float32Array): { data: Float32Array; lengths: number[] };
  barrier(): void;
  finalize(): void;
  /** The first line of `MPI_Get_library_version`, e.g. "Open MPI v4.1.4, …". */
  libraryVersion(): string;
}

/** Where node-gyp puts the addon (binding.gyp lives in native/ so npm does not build it itself). */
export const MPI_ADDON_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'native',
  'build',
  'Release',
  'ssdet_mpi.node',
);

export const MPI_BUILD_HINT =
  'install Open MPI (`apt-get install openmpi-bin libopenmpi-dev`), then run `npm run build:native -w @ssdet/distributed`';

let loaded: MpiAddon | undefined;

/** The addon to load: `SSDET_MPI_ADDON` (a build elsewhere) or this package's build. */
function addonPath(): string {
  const chosen = process.env['SSDET_MPI_ADDON'];
  return chosen !== undefined && chosen !== '' ? chosen : MPI_ADDON_PATH;
}

/**
 * Loads the addon once, or throws an Error whose first line says why. It is opened with
 * RTLD_GLOBAL: Open MPI loads its transport components (`mca_*.so`) with dlopen later, and they
 * resolve their symbols against libmpi in the global namespace, which a plain `require` of an
 * addon (RTLD_LOCAL) would hide.
 */
export function loadMpiAddon(): MpiAddon {
  if (loaded !== undefined) return loaded;
  const module = { exports: {} as unknown };
  const file = addonPath();
  try {
    process.dlopen(module, file, os.constants.dlopen.RTLD_NOW | os.constants.dlopen.RTLD_GLOBAL);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const notBuilt = !existsSync(file);
    const headline = notBuilt
      ? `the MPI addon is not built (no ${file}): ${MPI_BUILD_HINT}`
      : `the MPI addon failed to load (is Open MPI installed?): ${cause.split('\n')[0] ?? ''}`;
    throw new Error(`${headline}\n${cause}`, { cause: error });
  }
  loaded = module.exports as MpiAddon;
  return loaded;
}

/** Whether the addon loads, without throwing (for tests and tools). */
export function isMpiAddonBuilt(): boolean {
  try {
    loadMpiAddon();
    return true;
  } catch {
    return false;
  }
}
