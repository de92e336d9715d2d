import type { ProcessGroup } from '@ssdet/core';

/** A collective call as {@link MirroredProcessGroup} saw it. */
export interface CollectiveCall {
  readonly op: 'allreduce-sum' | 'allreduce-mean' | 'allgather' | 'broadcast' | 'barrier';
  /** Lengths of the buffers passed. */
  readonly lengths: readonly number[];
}

/**
 * One rank of a pretend job of `size` processes whose peers always hold exactly this rank's
 * buffers: the mean of identical buffers is the buffer, a sum is `size` times it, a gather is
 * `size` copies and a broadcast changes nothing. Records every call, so a test can check what a
 * rank does in a data-parallel run (which collectives, what it writes) without MPI.
 */
export class MirroredProcessGroup implements ProcessGroup {
  readonly calls: CollectiveCall[] = [];

  constructor(
    readonly rank: number,
    readonly size: number,
  ) {}

  allreduce(buffers: readonly Float32Array[], op: 'sum' | 'mean'): void {
    this.calls.push({ op: `allreduce-${op}`, lengths: buffers.map((buffer) => buffer.length) });
    if (op === 'sum')
      for (const buffer of buffers) for (let i = 0; i < buffer.length; i++) buffer[i]! *= this.size;
  }

  allgather(buffer: Float32Array): Float32Array[] {
    this.calls.push({ op: 'allgather', lengths: [buffer.length] });
    return Array.from({ length: this.size }, () => buffer.slice());
  }

  broadcast(buffers: readonly Float32Array[]): void {
    this.calls.push({ op: 'broadcast', lengths: buffers.map((buffer) => buffer.length) });
  }

  barrier(): void {
    this.calls.push({ op: 'barrier', lengths: [] });
  }
}
