import { availableParallelism } from 'node:os';
import type { NativeAddon } from './native-addon.js';

/** Environment variables that set the thread count, first match wins. */
export const THREADS_ENV = ['SSDET_NATIVE_THREADS', 'SSDET_NUM_THREADS'] as const;

/**
 * The OpenMP thread count for oneDNN and the native loops: `SSDET_NATIVE_THREADS` (or
 * `SSDET_NUM_THREADS`) when set, otherwise every core Node reports as available.
 */
export function resolveThreadCount(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cores: number = availableParallelism(),
): number {
  for (const name of THREADS_ENV) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const count = Number(raw);
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(
        `${name} must be a positive integer (threads for @ssdet/backend-native); got "${raw}"`,
      );
    }
    return count;
  }
  return Math.max(1, cores);
}

/** Sets the thread count the addon's kernels use from now on. */
export function applyThreadCount(addon: NativeAddon, count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`the native thread count must be a positive integer; got ${count}`);
  }
  addon.setNumThreads(count);
}
