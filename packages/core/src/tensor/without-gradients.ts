import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-core's engine (4.x) this module relies on; it is not public API. */
interface EngineInternals {
  state: { gradientDepth: number; activeTape: unknown[] | null };
}

const engineState = (): EngineInternals['state'] =>
  (tf.engine() as unknown as EngineInternals).state;

/**
 * Runs `run` with gradient recording off, as `torch.no_grad()`: inside a `tf.grad` or
 * `tf.variableGrads`, the tensors it computes are constants of the outer gradient, and none of
 * its kernels is recorded on the tape or keeps its inputs for a backward pass. For the parts of a
 * network nothing trains and no gradient passes through — a frozen backbone's layers, whose
 * activations the tape would otherwise keep alive until the end of the step — and it lets tfjs
 * fuse a convolution with its activation there (`tf.fused.conv2d` does not under a tape).
 */
export function withoutGradients<T extends tf.TensorContainer>(run: () => T): T {
  const state = engineState();
  const depth = state.gradientDepth;
  const tape = state.activeTape;
  state.gradientDepth = 0;
  state.activeTape = null;
  try {
    return run();
  } finally {
    state.gradientDepth = depth;
    state.activeTape = tape;
  }
}

/** Whether kernels run now are recorded for a gradient (inside `tf.grad` and not {@link withoutGradients}). */
export function recordingGradients(): boolean {
  return engineState().gradientDepth > 0;
}
