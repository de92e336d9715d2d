import {
  SsdetError,
  type Backbone,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import { collectVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import {
  DETCO_LEVELS,
  DETCO_STAGES,
  DetcoHeads,
  type DetcoStage,
  type StageEmbeddings,
  type StageFeatures,
} from './heads.js';

export interface DetcoEncoderOptions {
  /** Builds this encoder's backbone (any registered backbone with levels C2–C5) from a stream. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** Patches per local set (grid²). */
  readonly patches: number;
  readonly outDim: number;
  readonly hiddenScale: number;
  readonly linearInit: 'pytorchDefault' | 'kaimingNormalFanIn';
  readonly rng: Rng;
}

/**
 * Backbone + the per-stage global and local heads: the query encoder θ_q and (a second
 * instance) the momentum key encoder θ_k. The global view and the patch set go through the
 * backbone in separate forwards (their sizes differ), as in the port.
 *
 * Variables: `backbone.<torchvision name>`, `heads.global_mlps.*`, `heads.local_mlps.*`.
 */
export class DetcoEncoder implements HasVariables {
  readonly backbone: Backbone;
  readonly heads: DetcoHeads;

  constructor(options: DetcoEncoderOptions) {
    this.backbone = options.createBackbone(options.rng.fork('backbone'));
    const channels = DETCO_STAGES.map((stage) => {
      const level = this.backbone.levels.find(({ name }) => name === DETCO_LEVELS[stage]);
      if (level === undefined) {
        throw new SsdetError(
          'DETCO_BAD_BACKBONE',
          `DetCo reads levels C2–C5; backbone "${this.backbone.name}" has no ${DETCO_LEVELS[stage]}.`,
        );
      }
      return level.channels;
    }) as [number, number, number, number];
    this.heads = new DetcoHeads({
      channels,
      patches: options.patches,
      outDim: options.outDim,
      hiddenScale: options.hiddenScale,
      linearInit: options.linearInit,
      rng: options.rng.fork('heads'),
    });
  }

  /** Global views `[N, H, W, 3]` → one global embedding `[N, D]` per stage. */
  encodeGlobal(images: tf.Tensor4D, options: ForwardOptions): StageEmbeddings {
    return tf.tidy(() => this.heads.projectGlobal(this.poolGlobal(images, options)));
  }

  /**
   * Patch sets `[N, P·s, s, 3]` (P patches of side s stacked top to bottom, as the views make
   * them) → one local embedding `[N, D]` per stage. The N·P patches go through the backbone as
   * one batch.
   */
  encodeLocal(sets: tf.Tensor4D, options: ForwardOptions): StageEmbeddings {
    return tf.tidy(() => this.heads.projectLocal(this.poolLocal(sets, options)));
  }

  /**
   * The backbone half of {@link encodeGlobal}: global views → the global heads' pooled input
   * `[N, C]` per stage. Shuffle-BN runs this per group and the heads once on the whole batch
   * (they have no BatchNorm, so the result is the same), which computes each head's weight
   * gradient once instead of once per group plus a sum.
   */
  poolGlobal(images: tf.Tensor4D, options: ForwardOptions): StageFeatures {
    return tf.tidy(() => this.heads.poolGlobal(this.stageMaps(images, options)));
  }

  /** The backbone half of {@link encodeLocal}: patch sets → the local heads' input `[N, P·C]`. */
  poolLocal(sets: tf.Tensor4D, options: ForwardOptions): StageFeatures {
    const [n, height, side] = sets.shape;
    const patches = this.heads.patches;
    if (height !== patches * side) {
      throw new SsdetError(
        'DETCO_BAD_INPUT',
        `DetCo patch sets must be ${patches} square patches stacked vertically ([N, ${patches}·s, s, 3]); got [${sets.shape.join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const images = tf.reshape(sets, [n * patches, side, side, 3]) as tf.Tensor4D;
      return this.heads.poolLocal(this.stageMaps(images, options));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['heads', this.heads],
    ]);
  }

  private stageMaps(images: tf.Tensor4D, options: ForwardOptions): Record<DetcoStage, tf.Tensor4D> {
    const maps = this.backbone.forward(images, options);
    const out = {} as Record<DetcoStage, tf.Tensor4D>;
    for (const stage of DETCO_STAGES) out[stage] = maps[DETCO_LEVELS[stage]]!;
    return out;
  }
}
