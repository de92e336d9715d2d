import * as tf from '@tensorflow/tfjs-core';
import { expect, vi } from 'vitest';
import { BUILD_HINT, isNativeAddonBuilt, type NativeAddon } from '../native-addon.js';
import type { NativeBackend } from '../native-backend.js';
import type * as NativePackage from '../index.js';

/** Whether the addon is built here; native tests are skipped otherwise. */
export const nativeBuilt = isNativeAddonBuilt();

/** Appended to the names of native-only suites, so that a skipped run says why. */
export const NATIVE_SUITE_NOTE = nativeBuilt
  ? ''
  : ` (skipped: the native addon is not built — ${BUILD_HINT})`;

/** Registers the `native` backend (importing the package), when built. */
export async function loadNativePackage(): Promise<typeof NativePackage> {
  return import('../index.js');
}

/** Deterministic values in [-1, 1) from a seed (a 32-bit LCG), so failures reproduce. */
export function randomValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

export function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(tf.util.sizeFromShape(shape), seed), shape);
}

/**
 * Runs `compute` on `cpu` and on `native` (inputs made inside it, so each backend owns its
 * tensors) and returns both results' values and shapes.
 */
export function onBothBackends(compute: () => tf.Tensor | tf.Tensor[]): {
  cpu: { shape: number[]; values: Float32Array }[];
  native: { shape: number[]; values: Float32Array }[];
} {
  const run = (backend: string) => {
    tf.setBackend(backend);
    const outputs = tf.tidy(() => {
      const out = compute();
      return Array.isArray(out) ? out : [out];
    });
    const read = outputs.map((t) => ({
      shape: t.shape,
      values: Float32Array.from(t.dataSync() as ArrayLike<number>),
    }));
    tf.dispose(outputs);
    return read;
  };
  const cpu = run('cpu');
  const native = run('native');
  tf.setBackend('cpu');
  return { cpu, native };
}

/**
 * Each element within `rtol · max(1, max|expected|)` of the cpu result: relative to the tensor's
 * scale, since sums of many products differ in their last bits by the order of accumulation.
 */
export function expectClose(
  actual: Float32Array,
  expected: Float32Array,
  rtol = 1e-4,
  label = '',
): void {
  expect(actual.length).toBe(expected.length);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  let worstIndex = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= worst)) {
      worst = diff;
      worstIndex = i;
    }
  }
  expect(
    worst,
    `${label}max |native − cpu| = ${worst} at ${worstIndex} (native ${actual[worstIndex]}, cpu ${expected[worstIndex]})`,
  ).toBeLessThanOrEqual(rtol * scale);
}

/** The names of the addon's functions (everything but its `opCodes` table). */
export type AddonFunctionName = Exclude<keyof NativeAddon, 'opCodes'>;

/**
 * Both backends agree on every output (shape and values), and on `native` each addon function in
 * `called` ran at least once (so a silent fallback to the cpu kernel fails the test).
 */
export function expectBackendsAgree(
  compute: () => tf.Tensor | tf.Tensor[],
  called: readonly AddonFunctionName[] = [],
  rtol = 1e-4,
): void {
  const addon = (tf.findBackend('native') as NativeBackend).addon;
  const spies = called.map((name) => vi.spyOn(addon, name));
  const { cpu, native } = onBothBackends(compute);
  for (const [i, spy] of spies.entries()) {
    expect(spy, `addon.${called[i]} was not called on native`).toHaveBeenCalled();
    spy.mockRestore();
  }
  expect(native.length).toBe(cpu.length);
  cpu.forEach((expected, i) => {
    expect(native[i]!.shape).toEqual(expected.shape);
    expectClose(native[i]!.values, expected.values, rtol);
  });
}

/** The native kernel really ran: the active backend had a non-cpu kernel registered for `name`. */
export function expectNativeOverride(kernelName: string): void {
  const native = tf.getKernel(kernelName, 'native');
  const cpu = tf.getKernel(kernelName, 'cpu');
  expect(native).toBeDefined();
  expect(native!.kernelFunc).not.toBe(cpu?.kernelFunc);
}
