import type { Rng } from '@ssdet/core';

/**
 * Parameter initialisers drawn from the run's {@link Rng}, so the same seed gives the same
 * weights on every backend. Each returns a flat Float32Array of `size` values.
 */

/** U(−bound, bound). */
export function uniformValues(rng: Rng, size: number, bound: number): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound);
  return values;
}

/**
 * Glorot/Xavier uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)) — what DETR's
 * `_reset_parameters` applies to every weight matrix of its transformer.
 */
export function xavierUniformValues(
  rng: Rng,
  fanIn: number,
  fanOut: number,
  gain = 1,
): Float32Array {
  return uniformValues(rng, fanIn * fanOut, gain * Math.sqrt(6 / (fanIn + fanOut)));
}

/** N(mean, std²), e.g. `nn.Embedding`'s default N(0, 1). */
export function normalValues(rng: Rng, size: number, mean = 0, std = 1): Float32Array {
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal(mean, std);
  return values;
}
