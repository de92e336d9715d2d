import type { NativeProposalKernels } from '@ssdet/backend-native/proposal-kernels';

/** Set to `0` to run the TypeScript kernels even when `@ssdet/backend-native` is built. */
export const PROPOSALS_NATIVE_ENV = 'SSDET_PROPOSALS_NATIVE';

/**
 * `@ssdet/backend-native`'s C++ proposal kernels when that optional package is installed and its
 * addon built; otherwise undefined and the TypeScript path runs. Both give identical output.
 */
const available: NativeProposalKernels | undefined =
  process.env[PROPOSALS_NATIVE_ENV] === '0' ? undefined : await loadOptionalKernels();
let active = available;

async function loadOptionalKernels(): Promise<NativeProposalKernels | undefined> {
  try {
    const module = await import('@ssdet/backend-native/proposal-kernels');
    return module.nativeProposalKernels();
  } catch {
    return undefined; // not installed
  }
}

/** The kernels the algorithms use now, undefined on the TypeScript path. */
export function proposalKernels(): NativeProposalKernels | undefined {
  return active;
}

/**
 * Chooses the C++ kernels (when available) or the TypeScript path for this thread; returns
 * whether the C++ kernels are now in use. For comparisons and benchmarks: results are the same.
 */
export function useNativeProposalKernels(enabled: boolean): boolean {
  active = enabled ? available : undefined;
  return active !== undefined;
}
