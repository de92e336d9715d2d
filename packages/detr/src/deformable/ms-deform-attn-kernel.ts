import * as tf from '@tensorflow/tfjs-core';
import {
  deformableSamplingBackward,
  deformableSamplingForward,
  type DeformableSamplingProblem,
} from './ms-deform-attn-sampling.js';

/**
 * Kernel: inputs `value` `[B, S, M, D]`, `samplingLocations` `[B, Q, M, L, P, 2]`,
 * `attentionWeights` `[B, Q, M, L, P]`; attr `spatialShapes` `[H₀, W₀, H₁, W₁, …]`;
 * output `[B, Q, M·D]`.
 */
export const MS_DEFORM_ATTN = 'SsdetMsDeformAttn';
/** Kernel: the inputs of {@link MS_DEFORM_ATTN} plus `dy`; outputs the three input gradients. */
export const MS_DEFORM_ATTN_GRAD = 'SsdetMsDeformAttnGrad';

/**
 * Backends whose tensors are host Float32Arrays that `readSync` returns without a copy, so the
 * loops run on them directly. Elsewhere (tfjs-node, WebGL, wasm) the op is composed of gathers.
 */
const HOST_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'native']);

function floats(backend: tf.KernelBackend, info: tf.TensorInfo, name: string): Float32Array {
  const values = backend.readSync(info.dataId);
  if (!(values instanceof Float32Array)) {
    throw new Error(`${MS_DEFORM_ATTN}: input "${name}" must be float32; got ${info.dtype}.`);
  }
  return values;
}

function output(backend: tf.KernelBackend, shape: number[], values: Float32Array): tf.TensorInfo {
  return { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
}

function problemOf(
  value: tf.TensorInfo,
  locations: tf.TensorInfo,
  attrs: tf.NamedAttrMap,
): DeformableSamplingProblem {
  const [batch, length, heads, headDim] = value.shape as [number, number, number, number];
  const queries = locations.shape[1]!;
  const points = locations.shape[4]!;
  return {
    batch,
    length,
    heads,
    headDim,
    queries,
    points,
    spatialShapes: attrs['spatialShapes'] as number[],
  };
}

function namedInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const info = inputs[name];
  if (info === undefined) throw new Error(`${MS_DEFORM_ATTN}: missing input "${name}".`);
  return info;
}

function forwardKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: MS_DEFORM_ATTN,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const kernelBackend = backend as tf.KernelBackend;
      const value = namedInput(inputs, 'value');
      const locations = namedInput(inputs, 'samplingLocations');
      const attention = namedInput(inputs, 'attentionWeights');
      const problem = problemOf(value, locations, attrs ?? {});
      const out = deformableSamplingForward(
        problem,
        floats(kernelBackend, value, 'value'),
        floats(kernelBackend, locations, 'samplingLocations'),
        floats(kernelBackend, attention, 'attentionWeights'),
      );
      return output(
        kernelBackend,
        [problem.batch, problem.queries, problem.heads * problem.headDim],
        out,
      );
    },
  };
}

function gradientKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: MS_DEFORM_ATTN_GRAD,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const kernelBackend = backend as tf.KernelBackend;
      const value = namedInput(inputs, 'value');
      const locations = namedInput(inputs, 'samplingLocations');
      const attention = namedInput(inputs, 'attentionWeights');
      const grads = deformableSamplingBackward(
        problemOf(value, locations, attrs ?? {}),
        floats(kernelBackend, value, 'value'),
        floats(kernelBackend, locations, 'samplingLocations'),
        floats(kernelBackend, attention, 'attentionWeights'),
        floats(kernelBackend, namedInput(inputs, 'dy'), 'dy'),
      );
      return [
        output(kernelBackend, [...value.shape], grads.value),
        output(kernelBackend, [...locations.shape], grads.locations),
        output(kernelBackend, [...attention.shape], grads.attention),
      ];
    },
  };
}

const gradient: tf.GradConfig = {
  kernelName: MS_DEFORM_ATTN,
  inputsToSave: ['value', 'samplingLocations', 'attentionWeights'],
  gradFunc: (dy, saved, attrs) => {
    const [value, samplingLocations, attentionWeights] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [gValue, gLocations, gAttention] = tf
      .engine()
      .runKernel(
        MS_DEFORM_ATTN_GRAD,
        { dy: dy as tf.Tensor, value, samplingLocations, attentionWeights },
        attrs as unknown as tf.NamedAttrMap,
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
    return {
      value: () => gValue,
      samplingLocations: () => gLocations,
      attentionWeights: () => gAttention,
    };
  },
};

/**
 * Whether the fused kernel can run on the active backend; registers the loop kernels for it on
 * first use when it keeps tensors in host memory. A kernel some other package registered first
 * (e.g. a C++ one) is kept.
 */
export function fusedDeformableSamplingAvailable(): boolean {
  const backendName = tf.getBackend();
  if (tf.getKernel(MS_DEFORM_ATTN, backendName) === undefined) {
    if (!HOST_MEMORY_BACKENDS.has(backendName)) return false;
    tf.registerKernel(forwardKernel(backendName));
    if (tf.getKernel(MS_DEFORM_ATTN_GRAD, backendName) === undefined) {
      tf.registerKernel(gradientKernel(backendName));
    }
  }
  if (tf.getGradient(MS_DEFORM_ATTN) === undefined) tf.registerGradient(gradient);
  return true;
}
