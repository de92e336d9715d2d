import {
  SsdetError,
  combineLosses,
  evaluateLoss,
  type Backbone,
  type Batch,
  type BatchedView,
  type LossOutput,
  type NamedVariables,
  type PretrainMethod,
  type Rng,
  type StepContext,
  type ViewGenerator,
} from '@ssdet/core';
import { viewToSource } from '@ssdet/data';
import {
  type MemoryQueue,
  MomentumPairs,
  collectVariables,
  constantMomentum,
  encodeInGroups,
  l2Normalize,
  replicaForwardOptions,
  trainableVariables,
  variableFrom,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { PlrcConfig } from './config.js';
import { distillationRows } from './distillation-inputs.js';
import { PlrcEncoder, type PlrcEncoding } from './encoder.js';
import {
  AffinityDistillationLoss,
  teacherTemperatureAt,
  updatedCenter,
} from './losses/affinity-distillation-loss.js';
import { ImageContrastLoss } from './losses/image-contrast-loss.js';
import { PointContrastLoss } from './losses/point-contrast-loss.js';
import { sharedRegionPoints } from './point-features.js';
import { enqueueKeys, plrcImageQueue } from './queue.js';
import { cropCoordinates, overlappingPixels, type PixelPairs } from './regions/overlap.js';
import { maskFromView } from './regions/region-grid.js';
import { sampleRegionPoints } from './regions/sample-region-points.js';
import { type PLRC_VIEW_NAMES } from './views.js';

/** The stages PLRC is built from, resolved by name in the run container (see plugin.ts). */
export interface PlrcStages {
  /** `backbone.arch` from the stage registry: any backbone with a `C5` level. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** The three views `query`, `key`, `extra` (see views.ts). */
  readonly views: ViewGenerator;
}

/** The loss weights actually applied: the paper's formula, or the official script's (swapped). */
export function effectiveLossWeights(config: PlrcConfig): {
  image: number;
  point: number;
  distillation: number;
} {
  const { image, point, distillation } = config.lossWeights;
  return config.officialQuirks.swappedLossWeights
    ? { image: 1, point: image * point, distillation: image * distillation }
    : { image, point, distillation };
}

/** What a step's host-side sampling gives the tensors: points of region 0 and pixel pairs. */
interface StepSamples {
  readonly queryPoints: Int32Array;
  readonly keyPoints: Int32Array;
  readonly pairs: readonly PixelPairs[];
}

/**
 * PLRC as a {@link PretrainMethod} (Bai et al., CVPR 2022; official `PLRC.forward`). Per step:
 *
 * 1. host side: each image's query and key region masks give a region both show and 32 points in
 *    it per view (plus 15 negative regions, drawn as officially); the query and extra views' crops
 *    give the overlapping point pairs of the `maskSize²` grids;
 * 2. the query view through the encoder, key and extra views through the momentum encoder (no
 *    gradient; shuffle-BN over `shuffleBnGroups`; the key's bottleneck L1-normalised, official
 *    `dy=True`), each giving per-pixel `fcs` and `fcs_2` maps;
 * 3. L_img on the spatial means of `fcs` against the queue; L_point on the shared region's points
 *    ({@link sharedRegionPoints}); L_ts on the pairs' affinity and prototype rows
 *    ({@link distillationRows}) with the centre; L = λ_img·L_img + λ_point·L_point + λ_ts·L_ts;
 * 4. after the optimizer step: θ_k ← m·θ_k + (1 − m)·θ_q (parameters; θ_k keeps its BatchNorm
 *    statistics), the key embeddings into the queue, the centre towards the teacher rows' mean.
 *
 * Variables: `encoder_q.*` (trained), `encoder_k.*`, `queue`, `queue_ptr`, `center`.
 * `exports().backbone` is the query encoder's backbone with torchvision names.
 */
export class PlrcMethod implements PretrainMethod {
  readonly name = 'plrc';
  readonly views: ViewGenerator;
  readonly query: PlrcEncoder;
  readonly key: PlrcEncoder;
  readonly queue: MemoryQueue;
  /** `[S² + K]` the teacher centre c of L_ts. */
  readonly center: tf.Variable<tf.Rank.R1>;
  readonly imageLoss: ImageContrastLoss;
  readonly pointLoss: PointContrastLoss;
  readonly distillationLoss: AffinityDistillationLoss;
  private readonly momentumPairs: MomentumPairs;
  private pending: { keys: tf.Tensor2D; teacher: readonly tf.Tensor2D[] }[] = [];

  constructor(
    readonly config: PlrcConfig,
    rng: Rng,
    stages: PlrcStages,
  ) {
    this.views = stages.views;
    const encoder = (stream: Rng): PlrcEncoder =>
      new PlrcEncoder({
        createBackbone: stages.createBackbone,
        fcs: config.heads.fcs,
        fcs2: config.heads.fcs2,
        rng: stream,
      });
    this.query = encoder(rng.fork('encoder_q'));
    // Built with its own stream, then overwritten by θ_q (official `param_k.data.copy_(param_q.data)`).
    this.key = encoder(rng.fork('encoder_k'));
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.query, this.key]],
      schedule: constantMomentum(config.momentum),
      buffers: 'keep',
    });
    this.queue = plrcImageQueue(config.queueSize, config.heads.fcs.outDim, rng.fork('queue'));
    const size = config.regions.maskSize;
    this.center = variableFrom(
      () => tf.zeros([size * size + config.heads.fcs2.outDim]) as tf.Tensor1D,
      false,
    );
    const weights = effectiveLossWeights(config);
    this.imageLoss = new ImageContrastLoss(
      config.imageTemperature,
      weights.image,
      config.officialQuirks.imageTargets ? 'official' : 'paper',
    );
    this.pointLoss = new PointContrastLoss(
      config.point.temperature,
      config.point.baseTemperature,
      weights.point,
    );
    this.distillationLoss = new AffinityDistillationLoss(
      config.distillation.studentTemperature,
      weights.distillation,
    );
  }

  variables(): NamedVariables {
    return new Map([
      ...collectVariables([
        ['encoder_q', this.query],
        ['encoder_k', this.key],
      ]),
      ['queue', this.queue.queue],
      ['queue_ptr', this.queue.pointer],
      ['center', this.center],
    ]);
  }

  /** θ_q's parameters: backbone, fcs, fcs_2 (not BatchNorm buffers, not its fixed g, not θ_k). */
  trainableVariables(): NamedVariables {
    return trainableVariables(collectVariables([['encoder_q', this.query]]));
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const query = this.view(batch, 'query');
    const key = this.view(batch, 'key');
    const extra = this.view(batch, 'extra');
    const samples = this.sample(query, key, extra, context.rng.fork('plrc-points'));
    const { regions, distillation, officialQuirks, shuffleBnGroups: groups } = this.config;
    const teacherTemperature = teacherTemperatureAt(context.epoch, {
      warmup: distillation.warmupTeacherTemperature,
      final: distillation.teacherTemperature,
      warmupEpochs: distillation.warmupEpochs,
    });
    const size = query.images.shape[0];
    return tf.tidy(() => {
      const encode =
        (encoder: PlrcEncoder, bottleneckNorm: 'l2' | 'l1') =>
        (images: tf.Tensor4D, group: number): PlrcEncoding =>
          encoder.forward(images, { ...replicaForwardOptions(group), bottleneckNorm });
      const q = encodeInGroups(query.images, groups, encode(this.query, 'l2'));
      // θ_k is not trainable, so autodiff gives it no gradient: the official `torch.no_grad()`.
      const k = encodeInGroups(
        key.images,
        groups,
        encode(this.key, 'l1'),
        context.rng.fork('shuffle-bn-key').permutation(size),
      );
      const e = encodeInGroups(
        extra.images,
        groups,
        encode(this.key, 'l2'),
        context.rng.fork('shuffle-bn-extra').permutation(size),
      );

      const keys = tf.mean(k.points, [1, 2]) as tf.Tensor2D;
      const points = sharedRegionPoints(
        q.points,
        k.points,
        samples.queryPoints,
        samples.keyPoints,
        {
          size: regions.maskSize,
          keep: regions.keepPoints,
          axes: officialQuirks.transposedPoints ? 'official' : 'image',
        },
      );
      const rows = distillationRows(q, e, k.bottleneck, samples.pairs, {
        size: regions.maskSize,
        affinityScale: distillation.affinityScale,
      });
      this.pending.push({
        keys: tf.keep(l2Normalize(keys, 1)),
        teacher: rows.teacher.map((block) => tf.keep(block)),
      });
      return combineLosses([
        evaluateLoss(this.imageLoss, {
          queries: tf.mean(q.points, [1, 2]) as tf.Tensor2D,
          keys,
          queue: this.queue.queue,
        }),
        // Each shuffle-BN group stands for one of the official GPUs, whose images are a point's negatives.
        evaluateLoss(this.pointLoss, {
          queryPoints: points.query,
          keyPoints: points.key,
          groups,
        }),
        evaluateLoss(this.distillationLoss, {
          student: rows.student,
          teacher: rows.teacher,
          center: this.center,
          teacherTemperature,
        }),
      ]);
    });
  }

  /** After the optimizer step: the momentum update, the keys into the queue, the centre update. */
  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
    const overflow = this.config.officialQuirks.truncatingQueue ? 'truncate' : 'wrap';
    for (const { keys, teacher } of this.pending) {
      enqueueKeys(this.queue, keys, overflow);
      tf.tidy(() =>
        this.center.assign(
          updatedCenter(this.center, teacher, this.config.distillation.centerMomentum),
        ),
      );
      tf.dispose([keys, ...teacher]);
    }
    this.pending = [];
  }

  emaMomentum(context: StepContext): number {
    return this.momentumPairs.momentumAt(context);
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.query.backbone.variables() };
  }

  /** Frees every variable and pending tensor (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([
      ...this.variables().values(),
      ...this.pending.flatMap(({ keys, teacher }) => [keys, ...teacher]),
    ]);
    this.pending = [];
  }

  private view(batch: Batch, name: (typeof PLRC_VIEW_NAMES)[number]): BatchedView {
    const view = batch.views[name];
    const needsMask = name !== 'extra';
    const needsBox = name !== 'key';
    if (
      view === undefined ||
      (needsMask && view.masks === undefined) ||
      (needsBox && view.boxes === undefined)
    ) {
      throw new SsdetError(
        'PLRC_BAD_BATCH',
        `plrc needs view "${name}"${needsMask ? ' with its region mask' : ''}${needsBox ? ' and its source box' : ''}; the batch has ${Object.keys(batch.views).join(', ') || 'no views'}${view === undefined ? '' : ' without them'}.`,
        { hint: 'Build the batch from the views of method.views (PlrcViewGenerator).' },
      );
    }
    return view;
  }

  /** Points of region 0 of both views, and the query/extra pixel pairs, per image. */
  private sample(query: BatchedView, key: BatchedView, extra: BatchedView, rng: Rng): StepSamples {
    const { imageSize } = this.config;
    const { maskSize, pointsPerRegion, negativeRegions } = this.config.regions;
    const queryMasks = query.masks!.dataSync() as Int32Array;
    const keyMasks = key.masks!.dataSync() as Int32Array;
    const querySources = sourceSizes(query);
    const extraSources = sourceSizes(extra);
    const b = query.geometry.length;
    const perView = pointsPerRegion * 2;
    const queryPoints = new Int32Array(b * perView);
    const keyPoints = new Int32Array(b * perView);
    const pairs: PixelPairs[] = [];
    const pixels = imageSize * imageSize;
    for (let i = 0; i < b; i++) {
      const drawn = sampleRegionPoints(
        maskFromView(queryMasks.subarray(i * pixels, (i + 1) * pixels), imageSize, maskSize),
        maskFromView(keyMasks.subarray(i * pixels, (i + 1) * pixels), imageSize, maskSize),
        { regions: 1 + negativeRegions, pointsPerRegion },
        rng.fork(`image-${i}`),
      );
      // Only region 0 enters a loss (the official reads `pixel_feat[:, :, 0]`).
      queryPoints.set(drawn.query.subarray(0, perView), i * perView);
      keyPoints.set(drawn.key.subarray(0, perView), i * perView);
      pairs.push(
        overlappingPixels(
          cropCoordinates(query.geometry[i]!, querySources[i]!),
          cropCoordinates(extra.geometry[i]!, extraSources[i]!),
          maskSize,
          this.config.distillation.pairRatio,
        ),
      );
    }
    return { queryPoints, keyPoints, pairs };
  }
}

/** Each image's source size, from the whole-image box its view carries (see views.ts). */
function sourceSizes(view: BatchedView): { width: number; height: number }[] {
  const boxes = view.boxes!.dataSync();
  const stride = view.boxes!.shape[1] * 4;
  return view.geometry.map((geometry, i) => {
    const [a, b] = viewToSource(geometry, boxes[i * stride]!, boxes[i * stride + 1]!);
    const [c, d] = viewToSource(geometry, boxes[i * stride + 2]!, boxes[i * stride + 3]!);
    return {
      width: Math.round(Math.max(a, c) - Math.min(a, c)),
      height: Math.round(Math.max(b, d) - Math.min(b, d)),
    };
  });
}
