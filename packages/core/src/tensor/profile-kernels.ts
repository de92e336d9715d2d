import * as tf from '@tensorflow/tfjs-core';

export interface KernelTime {
  readonly kernel: string;
  readonly ms: number;
  readonly calls: number;
}

/** One kernel at one set of input shapes. */
export interface KernelShapeTime extends KernelTime {
  /** The input shapes, e.g. `[2,90,120,256] [256]`. */
  readonly shapes: string;
}

export interface KernelProfile {
  /** Per kernel name, the most time first. */
  readonly kernels: readonly KernelTime[];
  /** Per kernel name and input shapes, the most time first: which call of a kernel costs. */
  readonly byShape: readonly KernelShapeTime[];
  readonly totalKernelMs: number;
  readonly kernelCalls: number;
  /** Wall time of `run`, which includes everything outside kernels (tape, allocation, JS). */
  readonly wallMs: number;
}

/**
 * Runs `run` once under `tf.profile` and sums kernel time per kernel name: where a training step
 * spends its time on the active backend, for benchmarks and for deciding what to make native.
 */
export async function profileKernels(run: () => void): Promise<KernelProfile> {
  const start = performance.now();
  const profile = await tf.profile(run);
  const wallMs = performance.now() - start;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const byKernelShape = new Map<
    string,
    { kernel: string; shapes: string; ms: number; calls: number }
  >();
  let totalKernelMs = 0;
  for (const kernel of profile.kernels) {
    const ms = Number(kernel.kernelTimeMs);
    totalKernelMs += ms;
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += ms;
    entry.calls += 1;
    byKernel.set(kernel.name, entry);
    const shapes = kernel.inputShapes.map((shape) => `[${shape?.join(',') ?? ''}]`).join(' ');
    const key = `${kernel.name} ${shapes}`;
    const shaped = byKernelShape.get(key) ?? { kernel: kernel.name, shapes, ms: 0, calls: 0 };
    shaped.ms += ms;
    shaped.calls += 1;
    byKernelShape.set(key, shaped);
  }
  const kernels = [...byKernel]
    .map(([kernel, { ms, calls }]) => ({ kernel, ms, calls }))
    .sort((a, b) => b.ms - a.ms);
  const byShape = [...byKernelShape.values()].sort((a, b) => b.ms - a.ms);
  return { kernels, byShape, totalKernelMs, kernelCalls: profile.kernels.length, wallMs };
}

/**
 * The `top` kernels of a profile as aligned text lines, then the `topShapes` heaviest kernel and
 * input-shape pairs.
 */
export function formatKernelProfile(profile: KernelProfile, top = 15, topShapes = 10): string[] {
  return [
    `${profile.kernelCalls} kernel calls, ${profile.totalKernelMs.toFixed(0)} ms in kernels, ${profile.wallMs.toFixed(0)} ms wall`,
    ...profile.kernels
      .slice(0, top)
      .map(
        ({ kernel, ms, calls }) =>
          `  ${kernel.padEnd(28)} ${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(6)} calls`,
      ),
    ...(topShapes > 0 ? ['heaviest kernels by input shapes:'] : []),
    ...profile.byShape
      .slice(0, topShapes)
      .map(
        ({ kernel, shapes, ms, calls }) =>
          `  ${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(6)} calls  ${kernel} ${shapes}`,
      ),
  ];
}
