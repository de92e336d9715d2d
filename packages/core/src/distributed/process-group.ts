/**
 * One process's view of a data-parallel job: its rank among `size` processes and the
 * collectives between them (MPI underneath, see `@ssdet/distributed`).
 *
 * The calls are synchronous on purpose: tfjs gradient functions are synchronous, and shuffle-BN,
 * SyncBN and the key all-gather need collectives inside the forward and backward passes.
 * Every rank must make the same calls in the same order, as with MPI itself.
 */
export interface ProcessGroup {
  readonly rank: number;
  readonly size: number;
  /**
   * Sums or averages every buffer element-wise across ranks, in place. Implementations fuse
   * many small buffers into large messages (Horovod's tensor fusion).
   */
  allreduce(buffers: readonly Float32Array[], op: 'sum' | 'mean'): void;
  /** Every rank's `buffer`, in rank order; the lengths may differ between ranks. */
  allgather(buffer: Float32Array): Float32Array[];
  /** Overwrites every buffer with rank `root`'s, in place. */
  broadcast(buffers: readonly Float32Array[], root: number): void;
  barrier(): void;
}

/** The group of a run that is not distributed: every collective is the identity. */
export const SINGLE_PROCESS: ProcessGroup = Object.freeze({
  rank: 0,
  size: 1,
  allreduce: () => undefined,
  allgather: (buffer: Float32Array) => [buffer],
  broadcast: () => undefined,
  barrier: () => undefined,
});
