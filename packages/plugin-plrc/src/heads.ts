import {
  SsdetError,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import { BatchNorm1d, Linear, WeightNormLinear, collectVariables, l2Normalize } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

export interface DinoHeadOptions {
  readonly inDim: number;
  /** Width of the two hidden layers (2048). */
  readonly hiddenDim: number;
  /** The bottleneck that is normalised before the last layer (256). */
  readonly bottleneckDim: number;
  /** Prototypes: outputs of the weight-normalised last layer (4096). */
  readonly outDim: number;
  readonly rng: Rng;
}

/** What {@link DinoHead} gives for each input row. */
export interface DinoHeadOutput {
  /** `[N, bottleneckDim]` the normalised bottleneck (L2, or L1 for the official key encoder). */
  readonly bottleneck: tf.Tensor2D;
  /** `[N, outDim]` the prototype logits. */
  readonly logits: tf.Tensor2D;
}

/**
 * PLRC's `fcs_2` (official `resnet.ProjHead`, DINO's head, Caron et al. ICCV 2021), applied to
 * every C5 position: `Linear(in, 2048) → BN → ReLU → Linear(2048, 2048) → BN → ReLU →
 * Linear(2048, 256)`, normalised, then a weight-normalised `Linear(256, 4096)` without bias whose
 * scale is fixed at 1 (`norm_last_layer=True`). The MLP's Linear weights start from a normal of
 * std 0.02 (official `trunc_normal_`, truncated at ±2, i.e. ±100 σ), biases at 0.
 *
 * Variables as the official module: `mlp.0`, `mlp.1` (BN), `mlp.3`, `mlp.4` (BN), `mlp.6`,
 * `last_layer.weight_g`, `last_layer.weight_v`.
 */
export class DinoHead implements HasVariables {
  readonly outDim: number;
  readonly bottleneckDim: number;
  private readonly linear0: Linear;
  private readonly norm1: BatchNorm1d;
  private readonly linear3: Linear;
  private readonly norm4: BatchNorm1d;
  private readonly linear6: Linear;
  private readonly lastLayer: WeightNormLinear;

  constructor(options: DinoHeadOptions) {
    const { inDim, hiddenDim, bottleneckDim, outDim, rng } = options;
    for (const [field, value] of Object.entries({ inDim, hiddenDim, bottleneckDim, outDim })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new SsdetError(
          'PLRC_BAD_OPTION',
          `DinoHead option "${field}" must be a positive integer; got ${value}.`,
        );
      }
    }
    const linear = (inFeatures: number, outFeatures: number, name: string): Linear => {
      const layer = new Linear({
        inFeatures,
        outFeatures,
        biasInit: 'zeros',
        rng: rng.fork(name),
        draw: 'forked',
      });
      const draw = rng.fork(`${name}.trunc_normal`);
      const values = new Float32Array(inFeatures * outFeatures);
      for (let i = 0; i < values.length; i++) {
        values[i] = Math.min(2, Math.max(-2, draw.normal(0, 0.02)));
      }
      tf.tidy(() => layer.weight.assign(tf.tensor2d(values, [inFeatures, outFeatures])));
      return layer;
    };
    this.linear0 = linear(inDim, hiddenDim, 'mlp.0');
    this.norm1 = new BatchNorm1d({ numFeatures: hiddenDim });
    this.linear3 = linear(hiddenDim, hiddenDim, 'mlp.3');
    this.norm4 = new BatchNorm1d({ numFeatures: hiddenDim });
    this.linear6 = linear(hiddenDim, bottleneckDim, 'mlp.6');
    this.lastLayer = new WeightNormLinear({
      inFeatures: bottleneckDim,
      outFeatures: outDim,
      rng: rng.fork('last_layer'),
    });
    this.outDim = outDim;
    this.bottleneckDim = bottleneckDim;
  }

  /**
   * `[N, in]` → bottleneck and logits. `norm: 'l1'` is the official key encoder's `dy=True`, which
   * L1-normalises the bottleneck instead of L2.
   */
  forward(
    x: tf.Tensor2D,
    options: ForwardOptions & { readonly norm?: 'l2' | 'l1' },
  ): DinoHeadOutput {
    return tf.tidy(() => {
      let h = tf.relu(this.norm1.forward(this.linear0.forward(x), options));
      h = tf.relu(this.norm4.forward(this.linear3.forward(h), options));
      const z = this.linear6.forward(h);
      const bottleneck =
        options.norm === 'l1'
          ? (tf.div(z, tf.maximum(tf.sum(tf.abs(z), 1, true), 1e-12)) as tf.Tensor2D)
          : l2Normalize(z, 1);
      return { bottleneck, logits: this.lastLayer.forward(bottleneck) };
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['mlp.0', this.linear0],
      ['mlp.1', this.norm1],
      ['mlp.3', this.linear3],
      ['mlp.4', this.norm4],
      ['mlp.6', this.linear6],
      ['last_layer', this.lastLayer],
    ]);
  }
}
