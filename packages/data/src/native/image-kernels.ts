import type { NativeImageKernels } from '@ssdet/backend-native/image-kernels';

/** Set to `0` to run the TypeScript image kernels even when `@ssdet/backend-native` is built. */
export const DATA_NATIVE_ENV = 'SSDET_DATA_NATIVE';

/**
 * `@ssdet/backend-native`'s C++ image kernels when that optional package is installed and its
 * addon built; otherwise undefined and the TypeScript path runs. Both give identical output.
 */
const available: NativeImageKernels | undefined =
  process.env[DATA_NATIVE_ENV] === '0' ? undefined : await loadOptionalKernels();
let active = available;

async function loadOptionalKernels(): Promise<NativeImageKernels | undefined> {
  try {
    const module = await import('@ssdet/backend-native/image-kernels');
    return module.nativeImageKernels();
  } catch {
    return undefined; // not installed
  }
}

/** The kernels the view pipeline uses now, undefined on the TypeScript path. */
export function imageKernels(): NativeImageKernels | undefined {
  return active;
}

/**
 * Chooses the C++ image kernels (when available) or the TypeScript path for this thread; returns
 * whether the C++ kernels are now in use. For comparisons and benchmarks: results are the same.
 */
export function useNativeImageKernels(enabled: boolean): boolean {
  active = enabled ? available : undefined;
  return active !== undefined;
}
