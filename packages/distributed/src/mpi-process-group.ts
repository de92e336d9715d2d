import type { ProcessGroup } from '@ssdet/core';
import { loadMpiAddon, type MpiAddon } from './mpi-addon.js';

/** Horovod's lower bound for a fusion buffer; the step's small gradients travel in ones this big. */
export const DEFAULT_FUSION_BYTES = 16 * 2 ** 20;

export interface MpiProcessGroupOptions {
  /**
   * Small buffers are packed into one message of up to this many bytes; buffers at least this
   * large are reduced in place. Default 16 MB, or `SSDET_MPI_FUSION_MB`.
   */
  readonly fusionBytes?: number;
}

let finalizeRegistered = false;

/**
 * The MPI job this process belongs to (MPI_COMM_WORLD, duplicated), as a {@link ProcessGroup}.
 * MPI is initialized on construction and finalized when the process exits with code 0; a failed
 * rank exits without MPI_Finalize (which would wait for the others), so `mpirun` sees the non-zero
 * code, aborts the job and names the rank.
 */
export class MpiProcessGroup implements ProcessGroup {
  readonly rank: number;
  readonly size: number;
  readonly #addon: MpiAddon;

  constructor(options: MpiProcessGroupOptions = {}) {
    this.#addon = loadMpiAddon();
    const { rank, size } = this.#addon.init(options.fusionBytes ?? fusionBytesFromEnvironment());
    this.rank = rank;
    this.size = size;
    if (!finalizeRegistered) {
      finalizeRegistered = true;
      const addon = this.#addon;
      process.on('exit', (code) => {
        if (code === 0) addon.finalize();
      });
    }
  }

  /** The MPI library's version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, …". */
  get libraryVersion(): string {
    // MPI counts the string's terminating NUL in its length.
    return this.#addon.libraryVersion().replace(/\0+$/, '');
  }

  allreduce(buffers: readonly Float32Array[], op: 'sum' | 'mean'): void {
    this.#addon.allreduce(buffers, op === 'mean');
  }

  /** The arrays are views of one array holding every rank's buffer back to back. */
  allgather(buffer: Float32Array): Float32Array[] {
    const { data, lengths } = this.#addon.allgather(buffer);
    const parts: Float32Array[] = [];
    let offset = 0;
    for (const length of lengths) {
      parts.push(data.subarray(offset, offset + length));
      offset += length;
    }
    return parts;
  }

  /** A root outside [0, size) is MPI's own error (MPI_ERR_ROOT), thrown as an Error. */
  broadcast(buffers: readonly Float32Array[], root: number): void {
    if (!Number.isInteger(root))
      throw new RangeError(`broadcast root must be an integer; got ${root}`);
    this.#addon.broadcast(buffers, root);
  }

  barrier(): void {
    this.#addon.barrier();
  }
}

function fusionBytesFromEnvironment(): number {
  const megabytes = Number(process.env['SSDET_MPI_FUSION_MB']);
  return Number.isFinite(megabytes) && megabytes > 0 ? megabytes * 2 ** 20 : DEFAULT_FUSION_BYTES;
}
