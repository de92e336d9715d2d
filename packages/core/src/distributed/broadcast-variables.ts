import * as tf from '@tensorflow/tfjs-core';
import type { NamedVariables } from '../contracts/parameters.js';
import type { ProcessGroup } from './process-group.js';

/**
 * Makes every rank's `variables` equal to rank `root`'s (DDP's start-of-training broadcast), in
 * one fused broadcast. Int32 variables (queue pointers) travel as float32, exact below 2^24.
 * Every rank must pass the same names with the same shapes; a no-op for a single process.
 */
export function broadcastVariables(variables: NamedVariables, group: ProcessGroup, root = 0): void {
  if (group.size === 1) return;
  const entries = [...variables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const buffers = entries.map(([, variable]) => Float32Array.from(variable.dataSync()));
  group.broadcast(buffers, root);
  if (group.rank === root) return;
  entries.forEach(([, variable], index) => {
    const value = tf.tensor(buffers[index]!, variable.shape, variable.dtype);
    variable.assign(value);
    value.dispose();
  });
}
