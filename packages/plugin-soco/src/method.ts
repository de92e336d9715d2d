import {
  SINGLE_PROCESS,
  SsdetError,
  combineLosses,
  type ForwardOptions,
  type ProcessGroup,
  type Backbone,
  type EvaluatedLoss,
  type Batch,
  type BatchedView,
  type LossOutput,
  type NamedVariables,
  type PretrainMethod,
  type RegionSource,
  type Rng,
  type StepContext,
} from '@ssdet/core';
import {
  MomentumPairs,
  collectVariables,
  cosineMomentum,
  trainableVariables,
  type MlpHead,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { SocoConfig } from './config.js';
import { sameProposalMatrix, type PairSide } from './correspondence.js';
import { createPredictor, SOCO_LEVELS, SocoEncoder, type BackboneInit } from './heads.js';
import { boxAwareRegressionLoss } from './losses/box-aware-regression-loss.js';
import { socoRois } from './roi-boxes.js';
import type { SocoViewGenerator } from './views.js';

/** One set of K boxes per image on one view, ready for RoIAlign. */
interface BoxSet extends PairSide {
  /** `[B·K, 5]` rows: batch index, RoI corners in view pixels. */
  readonly table: Float32Array;
}

/** The stages SoCo is built from, resolved by name in the run container (see plugin.ts). */
export interface SocoStages {
  /**
   * `backbone.arch` from the stage registry (any backbone with levels C2–C5), drawn as `init`
   * says: the plugin passes `init` on to `buildBackbone` (the config's `init.backboneConv` and
   * `init.zeroInitResidual`).
   */
  readonly createBackbone: (rng: Rng, init: BackboneInit) => Backbone;
  /** SoCo's views (V1, V2, V3 and SoCo*'s V4), carrying the proposals. */
  readonly views: SocoViewGenerator;
  /** `regions.algorithm` from the stage registry (Selective Search, preset `soco`), cached. */
  readonly regions: RegionSource;
}

/**
 * SoCo (Wei et al., "Aligning Pretraining for Detection via Object-Level Contrastive Learning",
 * NeurIPS 2021) as a {@link PretrainMethod}: Selective Search proposals, three (SoCo*: four)
 * views carrying them, an online encoder (ResNet + FPN + RoIAlign + box head + projector) with a
 * predictor, a BYOL target encoder updated by EMA after every step, and the loss
 * `Σ_x ℓ(1→x) + ℓ(x→1)` over the pairs (V1, V2), (V1, V3) (and (V1, V4)).
 */
export class SocoMethod implements PretrainMethod {
  readonly name = 'soco';
  /** Every BatchNorm of both encoders and the predictor is SyncBN under `train.syncBn`. */
  readonly syncBatchNorm = true;
  readonly views: SocoViewGenerator;
  readonly regions: RegionSource;
  readonly online: SocoEncoder;
  readonly target: SocoEncoder;
  readonly predictor: MlpHead;
  private readonly momentumPairs: MomentumPairs;

  /** Training-mode forward options: SyncBN over the process group when `train.syncBn`. */
  private readonly training: ForwardOptions;
  /** Whether other processes train alongside this one (their collectives must stay in step). */
  private readonly distributed: boolean;

  constructor(
    private readonly config: SocoConfig,
    rng: Rng,
    stages: SocoStages,
    group: ProcessGroup = SINGLE_PROCESS,
  ) {
    this.training =
      config.train.syncBn && group.size > 1
        ? { training: true, syncGroup: group }
        : { training: true };
    this.distributed = group.size > 1;
    this.views = stages.views;
    this.regions = stages.regions;
    const encoder = (stream: Rng): SocoEncoder =>
      new SocoEncoder({
        createBackbone: stages.createBackbone,
        init: config.init,
        fpnChannels: config.fpn.channels,
        roiSize: config.roi.outputSize,
        aligned: config.roi.aligned,
        head: config.head,
        projector: config.projector,
        rng: stream,
      });
    this.online = encoder(rng.fork('online'));
    this.target = encoder(rng.fork('target'));
    // BYOL's target: parameters averaged, BatchNorm statistics its own. SoCo updates the target
    // at the start of iteration t + 1 with τ(t + 1) (`_momentum_update_key_encoder` runs before
    // the target forward), i.e. with the same online weights as right after step t: the same
    // sequence of targets as updating after step t with the momentum of t + 1.
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.online, this.target]],
      schedule: cosineMomentum(config.momentum, { stepOffset: 1 }),
      buffers: 'keep',
    });
    this.predictor = createPredictor({
      inDim: config.projector.outDim,
      hiddenDim: config.predictor.hiddenDim,
      rng: rng.fork('predictor'),
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['', this.online],
      ['predictor', this.predictor],
      ['target', this.target],
    ]);
  }

  trainableVariables(): NamedVariables {
    return trainableVariables(
      collectVariables([
        ['', this.online],
        ['predictor', this.predictor],
      ]),
    );
  }

  /** The whole pre-trained detector front: backbone, FPN and box head (the online network's). */
  exports(): Readonly<Record<string, NamedVariables>> {
    return {
      backbone: this.online.backbone.variables(),
      fpn: this.online.fpn.variables(),
      head: this.online.head.variables(),
    };
  }

  emaMomentum(context: StepContext): number {
    return this.momentumPairs.momentumAt(context);
  }

  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
  }

  loss(batch: Batch): LossOutput {
    const { k } = this.config.boxes;
    const first = this.view(batch, 'v1');
    const firstSets = this.views.pairs.map((_, p) => this.boxSet(first, p * k, k));
    return tf.tidy(() => {
      const training = this.training;
      const onlineFirst = this.online.pyramid(first.images, training);
      const targetFirst = this.target.pyramid(first.images, training);
      const losses: EvaluatedLoss[] = [];
      const onlinePyramids = [onlineFirst];
      this.views.pairs.forEach((name, p) => {
        const other = this.view(batch, name);
        const otherSet = this.boxSet(other, 0, k);
        const firstSet = firstSets[p]!;
        const onlineOther = this.online.pyramid(other.images, training);
        onlinePyramids.push(onlineOther);
        const targetOther = this.target.pyramid(other.images, training);
        const firstSize = first.images.shape[2];
        const otherSize = other.images.shape[2];
        const q1 = this.embed(this.online, onlineFirst, firstSize, firstSet, true);
        const qx = this.embed(this.online, onlineOther, otherSize, otherSet, true);
        const z1 = this.embed(this.target, targetFirst, firstSize, firstSet, false);
        const zx = this.embed(this.target, targetOther, otherSize, otherSet, false);
        const levelCount =
          this.config.roi.pooling === 'every-level' ? SOCO_LEVELS.length : undefined;
        const forward = sameProposalMatrix(firstSet, otherSet, batch.size, levelCount);
        const backward = tf.transpose(forward, [0, 2, 1]);
        // ℓ(1→x) + ℓ(x→1), weight 1 for every pair (SoCo's `loss = loss_fpn + …`).
        losses.push({
          name: `v1_${name}`,
          weight: 1,
          value: tf.add(
            boxAwareRegressionLoss(q1, zx, forward),
            boxAwareRegressionLoss(qx, z1, backward),
          ) as tf.Scalar,
        });
      });
      const combined = combineLosses(losses);
      if (!this.distributed) return combined;
      // A pyramid level no box of this rank's batch is pooled from would be off the gradient
      // path here: its FPN output convolution would get no gradient on this rank (so the ranks'
      // fused gradient allreduces would differ in length) and, under SyncBN, whose backward pass
      // is a collective, the ranks' collectives would fall out of step. A zero-weighted touch of
      // every level keeps all of them on it, the way multi-level RoIAlign always reads every level.
      const touch = tf.addN(onlinePyramids.flat().map((level) => tf.mul(tf.sum(level), 0)));
      return { ...combined, total: tf.add(combined.total, touch) as tf.Scalar };
    });
  }

  private view(
    batch: Batch,
    name: string,
  ): BatchedView & { boxes: tf.Tensor3D; boxIds: tf.Tensor2D } {
    const view = batch.views[name];
    if (view?.boxes === undefined || view.boxIds === undefined) {
      throw new SsdetError(
        'SOCO_BAD_BATCH',
        `SoCo needs view "${name}" with boxes and box ids; the batch has ${view === undefined ? 'no such view' : 'it without boxes'}.`,
        { hint: 'Use the SoCo view generator (method.views) with a region source.' },
      );
    }
    return view as BatchedView & { boxes: tf.Tensor3D; boxIds: tf.Tensor2D };
  }

  /** Boxes `[offset, offset + k)` of every image of a view, as SoCo pools and matches them. */
  private boxSet(
    view: BatchedView & { boxes: tf.Tensor3D; boxIds: tf.Tensor2D },
    offset: number,
    k: number,
  ): BoxSet {
    const [batchSize, perImage] = view.boxIds.shape;
    if (perImage < offset + k) {
      throw new SsdetError(
        'SOCO_BAD_BATCH',
        `SoCo expects at least ${offset + k} boxes per image in a view; got ${perImage}.`,
      );
    }
    const boxes = view.boxes.dataSync();
    const allIds = view.boxIds.dataSync();
    const ids = new Int32Array(batchSize * k);
    const levels = new Int32Array(batchSize * k);
    const table = new Float32Array(batchSize * k * 5);
    for (let b = 0; b < batchSize; b++) {
      const start = b * perImage + offset;
      const imageIds = Int32Array.from(allIds.subarray(start, start + k));
      const rois = socoRois(
        Float32Array.from(boxes.subarray(start * 4, (start + k) * 4)),
        imageIds,
        view.geometry[b]!,
        this.config.roi.levelThresholds,
      );
      ids.set(imageIds, b * k);
      levels.set(rois.levels, b * k);
      for (let i = 0; i < k; i++) {
        table[(b * k + i) * 5] = b;
        table.set(rois.rois.subarray(4 * i, 4 * i + 4), (b * k + i) * 5 + 1);
      }
    }
    return { ids, levels, table };
  }

  /**
   * Embeddings of a box set, `[B, M, D]`: the projector's (target) or the predictor's (online)
   * output. Every-level pooling runs each level's RoIs through the heads as one batch, as SoCo
   * does, and concatenates level-major (M = 4K); assigned-level pooling pools each box from its
   * own level only (boxes without one from P5; the matching ignores them) and runs all of them
   * through the heads as one batch, M = K.
   */
  private embed(
    encoder: SocoEncoder,
    pyramid: readonly tf.Tensor4D[],
    viewSize: number,
    set: BoxSet,
    predict: boolean,
  ): tf.Tensor3D {
    const training = this.training;
    const batchSize = pyramid[0]!.shape[0];
    const k = set.ids.length / batchSize;
    const heads = (pooled: tf.Tensor4D): tf.Tensor2D => {
      const projected = encoder.project(pooled, training);
      return predict ? this.predictor.forward(projected, training) : projected;
    };
    if (this.config.roi.pooling === 'every-level') {
      const perLevel = pyramid.map((features) => {
        const out = heads(encoder.pool(features, viewSize, set.table));
        return tf.reshape(out, [batchSize, k, out.shape[1]]) as tf.Tensor3D;
      });
      return tf.concat(perLevel, 1);
    }
    const order: number[] = [];
    const pooled: tf.Tensor4D[] = [];
    for (let level = 0; level < pyramid.length; level++) {
      const rows: number[] = [];
      set.levels.forEach((assigned, r) => {
        const own = assigned < 0 ? pyramid.length - 1 : assigned;
        if (own === level) rows.push(r);
      });
      if (rows.length === 0) continue;
      const table = new Float32Array(rows.length * 5);
      rows.forEach((r, i) => table.set(set.table.subarray(r * 5, r * 5 + 5), i * 5));
      pooled.push(encoder.pool(pyramid[level]!, viewSize, table));
      order.push(...rows);
    }
    const stacked = heads(tf.concat(pooled, 0));
    const inverse = new Int32Array(order.length);
    order.forEach((r, i) => {
      inverse[r] = i;
    });
    const restored = tf.gather(stacked, tf.tensor1d(inverse, 'int32'));
    return tf.reshape(restored, [batchSize, k, stacked.shape[1]]) as tf.Tensor3D;
  }
}
