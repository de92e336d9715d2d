import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../tensor/select-backend.js';
import { broadcastVariables } from './broadcast-variables.js';
import { meanAllreduceGradients } from './allreduce-gradients.js';
import { checkResumeWorldSize } from './check-resume-world-size.js';
import { SINGLE_PROCESS, type ProcessGroup } from './process-group.js';

/**
 * Rank `rank` of a pretend pair whose other rank holds `peer` (one buffer per call argument,
 * in the order the call passes them): what MPI would compute from the two.
 */
function pairWith(rank: number, peer: readonly Float32Array[]) {
  const calls: { op: string; count: number }[] = [];
  const group: ProcessGroup = {
    rank,
    size: 2,
    allreduce(buffers, op) {
      calls.push({ op: `allreduce-${op}`, count: buffers.length });
      buffers.forEach((buffer, b) =>
        buffer.forEach((value, i) => {
          const sum = value + peer[b]![i]!;
          buffer[i] = op === 'mean' ? sum / 2 : sum;
        }),
      );
    },
    allgather: (buffer) => (rank === 0 ? [buffer, peer[0]!] : [peer[0]!, buffer]),
    broadcast(buffers, root) {
      calls.push({ op: `broadcast-from-${root}`, count: buffers.length });
      if (root !== rank) buffers.forEach((buffer, b) => buffer.set(peer[b]!));
    },
    barrier: () => undefined,
  };
  return { group, calls };
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

describe('broadcastVariables', () => {
  it("gives every rank rank 0's values, int32 queue pointers included, in one call by sorted name", () => {
    const before = tf.memory().numTensors;
    const [weight, pointer] = tf.tidy(() => [
      tf.variable(tf.tensor2d([[1, 2]]), true, 'bcast-w'),
      tf.variable(tf.scalar(3, 'int32'), false, 'bcast-p'),
    ]);
    // Sorted names: a/pointer, b/weight.
    const { group, calls } = pairWith(1, [Float32Array.of(17), Float32Array.of(5, 6)]);
    broadcastVariables(
      new Map<string, tf.Variable>([
        ['b/weight', weight],
        ['a/pointer', pointer],
      ]),
      group,
    );
    expect(calls).toEqual([{ op: 'broadcast-from-0', count: 2 }]);
    expect(weight.arraySync()).toEqual([[5, 6]]);
    expect(pointer.dtype).toBe('int32');
    expect(pointer.arraySync()).toBe(17);
    // Rank 0 keeps its own.
    const root = pairWith(0, [Float32Array.of(99), Float32Array.of(99, 99)]);
    broadcastVariables(new Map([['b/weight', weight]]), root.group);
    expect(weight.arraySync()).toEqual([[5, 6]]);
    tf.dispose([weight, pointer]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('meanAllreduceGradients', () => {
  const shapes = new Map<string, readonly number[]>([
    ['z', [2]],
    ['a', [2, 1]],
    ['unused', [3]],
  ]);

  it('replaces each gradient by the mean over ranks in one fused call, without leaking', () => {
    const before = tf.memory().numTensors;
    const gradients = new Map<string, tf.Tensor>([
      ['z', tf.tensor1d([1, 3])],
      ['a', tf.tensor2d([[2], [4]])],
    ]);
    // The peer's buffers in sorted-name order after the presence counts: a, unused, z.
    const { group, calls } = pairWith(0, [
      Float32Array.of(1, 0, 1),
      Float32Array.of(0, 0),
      Float32Array.of(0, 0, 0),
      Float32Array.of(3, 5),
    ]);
    const reduced = meanAllreduceGradients(gradients, group, shapes);
    expect(calls).toEqual([{ op: 'allreduce-sum', count: 4 }]);
    expect(reduced.get('a')!.arraySync()).toEqual([[1], [2]]);
    expect(reduced.get('a')!.shape).toEqual([2, 1]);
    expect(reduced.get('z')!.arraySync()).toEqual([2, 4]);
    // No rank had a gradient for it: it gets none, as in one process.
    expect(reduced.has('unused')).toBe(false);
    tf.dispose([...reduced.values()]);
    expect(tf.memory().numTensors).toBe(before);
    const alone = new Map([['a', tf.scalar(1)]]);
    expect(meanAllreduceGradients(alone, SINGLE_PROCESS, shapes)).toBe(alone);
    tf.dispose([...alone.values()]);
  });

  it('sends zeros for a gradient this rank lacks, so every rank sends the same buffers', () => {
    const gradients = new Map<string, tf.Tensor>([['z', tf.tensor1d([4, 8])]]);
    // The peer had gradients for a and z; this rank only for z.
    const { group } = pairWith(1, [
      Float32Array.of(1, 0, 1),
      Float32Array.of(6, 2),
      Float32Array.of(0, 0, 0),
      Float32Array.of(0, 0),
    ]);
    const reduced = meanAllreduceGradients(gradients, group, shapes);
    expect(reduced.get('a')!.arraySync()).toEqual([[3], [1]]);
    expect(reduced.get('z')!.arraySync()).toEqual([2, 4]);
    expect(reduced.has('unused')).toBe(false);
    tf.dispose([...reduced.values()]);
  });
});

describe('checkResumeWorldSize', () => {
  it('passes the same number of processes, refuses another naming both; no record means 1', () => {
    expect(() => checkResumeWorldSize(2, 2, 'step-1.ckpt')).not.toThrow();
    expect(() => checkResumeWorldSize(undefined, 1, 'step-1.ckpt')).not.toThrow();
    expect(() => checkResumeWorldSize(4, 2, 'runs/a/step-1.ckpt')).toThrow(
      'runs/a/step-1.ckpt was written by a run of 4 process(es), this run has 2',
    );
    expect(() => checkResumeWorldSize(undefined, 2, 'x.ckpt')).toThrow(
      /of 1 process\(es\), this run has 2/,
    );
  });
});
