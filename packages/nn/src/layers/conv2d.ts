import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { variableFrom } from './named-variables.js';
import { conv2dWithFastFilterGrad } from './conv2d-fast-filter-grad.js';
import { initDefaultBias, initWeight, type WeightInit } from './initializers.js';

export interface Conv2dOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride?: number;
  /** Zeros added on every side, as PyTorch's `padding=p`. Default 0. */
  readonly padding?: number;
  /** Default true, as PyTorch's. */
  readonly bias?: boolean;
  /** Default `pytorchDefault`. */
  readonly init?: WeightInit;
  /** Bias init: `pytorchDefault` (U(±1/√fan_in)) or `zeros` (what detectron2/FPNs use). */
  readonly biasInit?: 'pytorchDefault' | 'zeros';
  readonly rng: Rng;
}

/**
 * A 2-D convolution with PyTorch's `nn.Conv2d` semantics on NHWC input:
 * `y[b,i,j,o] = bias[o] + Σ_{u,v,c} xpad[b, s·i+u, s·j+v, c] · weight[u,v,c,o]`,
 * where `xpad` has `padding` zeros on every side (symmetric, unlike tfjs's `'same'`, which pads
 * more on the bottom/right when the stride is 2). Output size `⌊(H + 2p − k)/s⌋ + 1`.
 *
 * Variables: `weight` `[k, k, in, out]` (HWIO), `bias` `[out]`.
 *
 * On tfjs's `cpu` backend (and any backend without `Conv2DBackpropFilter`) the filter gradient is
 * computed by a forward convolution ({@link conv2dWithFastFilterGrad}); elsewhere by the backend's kernel.
 */
export class Conv2d implements HasVariables {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | undefined;

  constructor(options: Conv2dOptions) {
    const { inChannels, outChannels, kernelSize } = options;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    for (const [field, value, min] of [
      ['inChannels', inChannels, 1],
      ['outChannels', outChannels, 1],
      ['kernelSize', kernelSize, 1],
      ['stride', this.stride, 1],
      ['padding', this.padding, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new SsdetError(
          'NN_BAD_OPTION',
          `Conv2d option "${field}" must be an integer ≥ ${min}; got ${value}.`,
        );
      }
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    const fanIn = inChannels * kernelSize * kernelSize;
    const fanOut = outChannels * kernelSize * kernelSize;
    const rng = options.rng;
    this.weight = variableFrom(() =>
      initWeight(
        [kernelSize, kernelSize, inChannels, outChannels],
        { fanIn, fanOut },
        options.init ?? 'pytorchDefault',
        rng.fork('weight'),
      ),
    );
    this.bias =
      (options.bias ?? true)
        ? variableFrom(() =>
            options.biasInit === 'zeros'
              ? tf.zeros([outChannels])
              : initDefaultBias(outChannels, fanIn, rng.fork('bias')),
          )
        : undefined;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `Conv2d expects NHWC input with ${this.inChannels} channels; got shape [${x.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const p = this.padding;
      const kernel = this.weight as tf.Tensor4D;
      let y: tf.Tensor4D;
      if (prefersFastFilterGrad()) {
        const padded =
          p === 0
            ? x
            : tf.pad(x, [
                [0, 0],
                [p, p],
                [p, p],
                [0, 0],
              ]);
        y = conv2dWithFastFilterGrad(padded, kernel, this.stride);
      } else {
        // Explicit padding inside the convolution: no padded copy of x, and no slice of its gradient.
        y = tf.conv2d(x, kernel, this.stride, [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ]);
      }
      return this.bias === undefined ? y : tf.add(y, this.bias);
    });
  }

  /**
   * `activation(conv(x)·scale + shift)` with the per-channel scale folded into the weights —
   * `conv(x, W·scale) + shift` — as one fused convolution where the backend has one (native:
   * bias and ReLU as oneDNN post-ops), for a convolution without bias followed by a fixed affine
   * map (a frozen BatchNorm). Values differ from the unfolded form only by float rounding.
   */
  forwardFolded(
    x: tf.Tensor4D,
    scale: tf.Tensor1D,
    shift: tf.Tensor1D,
    activation: 'linear' | 'relu',
  ): tf.Tensor4D {
    if (this.bias !== undefined || prefersFastFilterGrad()) {
      return tf.tidy(() => {
        const y = tf.add(tf.mul(this.forward(x), scale), shift) as tf.Tensor4D;
        return activation === 'relu' ? tf.relu(y) : y;
      });
    }
    return tf.tidy(() => {
      const p = this.padding;
      return tf.fused.conv2d({
        x,
        filter: tf.mul(this.weight, scale) as tf.Tensor4D,
        strides: this.stride,
        pad: [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ],
        bias: shift,
        activation,
      });
    });
  }

  variables(): NamedVariables {
    const named = new Map<string, tf.Variable>([['weight', this.weight]]);
    if (this.bias !== undefined) named.set('bias', this.bias);
    return named;
  }
}

/** tfjs-backend-cpu's filter-gradient kernel is a slow scalar loop; backends without one cannot train. */
function prefersFastFilterGrad(): boolean {
  const backend = tf.getBackend();
  return backend === 'cpu' || tf.getKernel('Conv2DBackpropFilter', backend) === undefined;
}
