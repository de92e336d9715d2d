import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-core's engine (4.x) this module relies on; none of them is public API. */
interface TapeNode {
  readonly outputs: readonly tf.Tensor[];
  readonly saved?: readonly tf.Tensor[];
  gradient?: (dys: ReadonlyArray<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  addTapeNode(...args: unknown[]): void;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

/** What the previous node of the running backward pass left for release. */
interface Pending {
  /** The node's saved tensors: the engine's own kept clones, used by no other node. */
  readonly saved: readonly tf.Tensor[];
  /** Gradients of the node's outputs that the backward pass created. */
  readonly outputGradients: readonly tf.Tensor[];
  /** Tensors the node's gradient functions returned (possibly one of the above, passed on). */
  readonly returned: ReadonlySet<number>;
}

let enabled = true;
let installed = false;
let pending: Pending | undefined;

function flush(): void {
  const done = pending;
  pending = undefined;
  if (done === undefined) return;
  for (const tensor of done.saved) {
    if (!done.returned.has(tensor.id)) tensor.dispose();
  }
  for (const tensor of done.outputGradients) {
    if (!done.returned.has(tensor.id) && !tensor.kept) tensor.dispose();
  }
}

/**
 * Makes tfjs free memory during the backward pass the way PyTorch's autograd does. tfjs keeps
 * every tensor saved for the backward pass, and every intermediate gradient, until the whole
 * backward pass is over, so a training step peaks at all activations plus all their gradients.
 * Here, once backprop has moved on from a tape node, that node's saved tensors (private clones
 * the engine made for it) and the gradients of its outputs (complete by then: every consumer
 * comes later on the tape and was processed first) are disposed. Gradients a node handed on
 * unchanged, tensors the caller created before the forward pass (an explicit `dy`), kept
 * tensors, and nested (higher-order) gradients are left alone. Values are unchanged; only the
 * peak memory of a step drops.
 *
 * Installed once by importing `@ssdet/core`; it wraps the gradient closure of every tape node
 * the process's tfjs engine records (an internal of tfjs-core 4.x, pinned by this package).
 */
export function installReleaseDuringBackprop(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as EngineInternals;
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]): void => {
    addTapeNode(...args);
    const node = engine.state.activeTape?.at(-1);
    const gradient = node?.gradient;
    if (node === undefined || gradient === undefined) return;
    const newestOutput = Math.max(...node.outputs.map((output) => output.id));
    node.gradient = (dys) => {
      flush();
      const inputGradients = gradient(dys);
      if (!enabled || engine.state.gradientDepth > 0) return inputGradients;
      const returned = new Set<number>();
      pending = {
        saved: node.saved ?? [],
        // Created by the backward pass itself (after this node's outputs), not passed in.
        outputGradients: dys.filter((dy): dy is tf.Tensor => dy !== null && dy.id > newestOutput),
        returned,
      };
      return Object.fromEntries(
        Object.entries(inputGradients).map(([name, thunk]) => [
          name,
          () => {
            const result = thunk();
            returned.add(result.id);
            return result;
          },
        ]),
      );
    };
  };
}

/** Runs `run` with early release off: the baseline the tests compare against. */
export function withoutReleaseDuringBackprop<T>(run: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return run();
  } finally {
    enabled = previous;
  }
}
