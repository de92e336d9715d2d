import {
  SsdetError,
  combineLosses,
  evaluateLoss,
  type Backbone,
  type Batch,
  type LossOutput,
  type NamedVariables,
  type PretrainMethod,
  type RegionSource,
  type Rng,
  type StepContext,
  type ViewGenerator,
} from '@ssdet/core';
import { MomentumPairs, collectVariables, cosineMomentum, trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { DETCON_FEATURE_STRIDE, type DetconConfig } from './config.js';
import { DetconEncoder } from './encoder.js';
import { DetconMlp } from './heads.js';
import { DetconBLoss } from './losses/detcon-b-loss.js';
import { DetconSLoss } from './losses/detcon-s-loss.js';
import { poolMasked } from './masks/pool-masked.js';
import { sampleViewMasks, type SampledViewMasks } from './masks/view-masks.js';
import { DETCON_VIEW_NAMES } from './views.js';

/** The stages DetCon is built from, resolved by name in the run container (see plugin.ts). */
export interface DetconStages {
  /** `backbone.arch` from the stage registry: any backbone with a `C5` level. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** Two views named `view1` and `view2`, each with its mask (see views.ts). */
  readonly views: ViewGenerator;
  /** `regions.algorithm` (Felzenszwalb–Huttenlocher by default), cached. */
  readonly regions?: RegionSource;
}

/** Either variant, as `variant` asks. */
export type DetconMethod = DetconBMethod | DetconSMethod;

/** DetCon-B or DetCon-S from one config (`variant`). */
export function createDetconMethod(
  config: DetconConfig,
  rng: Rng,
  stages: DetconStages,
): DetconMethod {
  return config.variant === 'b'
    ? new DetconBMethod(config, rng, stages)
    : new DetconSMethod(config, rng, stages);
}

/** What both variants share: views, masks and how a step reads them. */
abstract class DetconBase {
  readonly name = 'detcon';
  readonly views: ViewGenerator;
  readonly regions?: RegionSource;

  constructor(
    readonly config: DetconConfig,
    stages: DetconStages,
  ) {
    this.views = stages.views;
    if (stages.regions !== undefined) this.regions = stages.regions;
  }

  /**
   * Per view: its images, and `masks.samples` mask ids per image drawn among the masks present on
   * its C5 grid (official `create_binary_mask` + `sample_masks`), from `context.rng`. The online and
   * the target network use the same draw.
   */
  protected sampleViews(
    batch: Batch,
    context: StepContext,
  ): readonly [
    { images: tf.Tensor4D; masks: SampledViewMasks },
    { images: tf.Tensor4D; masks: SampledViewMasks },
  ] {
    const rng = context.rng.fork('detcon-masks');
    return DETCON_VIEW_NAMES.map((name) => {
      const view = batch.views[name];
      if (view === undefined)
        throw new SsdetError(
          'DETCON_BAD_BATCH',
          `detcon needs view "${name}"; the batch has ${Object.keys(batch.views).join(', ') || 'none'}.`,
          { hint: 'Build the batch from the views of method.views.' },
        );
      const masks = sampleViewMasks(
        view,
        {
          cell: DETCON_FEATURE_STRIDE,
          samples: this.config.masks.samples,
          maxMaskId: this.config.masks.maxMaskId,
        },
        rng.fork(name),
        name,
      );
      return { images: view.images, masks };
    }) as unknown as readonly [
      { images: tf.Tensor4D; masks: SampledViewMasks },
      { images: tf.Tensor4D; masks: SampledViewMasks },
    ];
  }
}

/** `[B, K, cells]` masks of a view as a tensor, checked against the feature grid it pools. */
function masksTensor(masks: SampledViewMasks, features: tf.Tensor4D): tf.Tensor3D {
  const [b, h, w] = features.shape;
  if (h !== masks.gridHeight || w !== masks.gridWidth) {
    throw new SsdetError(
      'DETCON_BAD_GRID',
      `The mask grid is ${masks.gridWidth} × ${masks.gridHeight} but the backbone's C5 is ${w} × ${h}; DetCon pools masks at stride ${DETCON_FEATURE_STRIDE}.`,
      { hint: 'Use a backbone whose C5 has stride 32 and an imageSize divisible by 32.' },
    );
  }
  return tf.tensor3d(masks.masks, [b, masks.ids[0]!.length, h * w]);
}

/** Both networks run on batch statistics, as the official code's `is_training=True` for both. */
const TRAINING = { training: true } as const;

/** One view through an encoder: C5, the mean vector under each sampled mask, the projector. */
function encodeView(
  encoder: DetconEncoder,
  view: { images: tf.Tensor4D; masks: SampledViewMasks },
): tf.Tensor3D {
  return tf.tidy(() => {
    const features = encoder.features(view.images, TRAINING);
    return encoder.project(poolMasked(features, masksTensor(view.masks, features)), TRAINING);
  });
}

/**
 * DetCon-B as a {@link PretrainMethod} (Hénaff et al., ICCV 2021, §3; official `detcon_b.py`).
 * Per step:
 *
 * 1. each view's FH mask is reduced to C5's grid and 16 of its masks are sampled per image;
 * 2. the online network (backbone → mask pooling → projector) and the predictor map each view to
 *    predictions p¹, p² `[B, 16, 256]`; the target network (an EMA of the online one, evaluated on
 *    batch statistics) maps them to projections t¹, t², for the same masks; each view goes through
 *    each network on its own (BatchNorm statistics per view, as the official code);
 * 3. the loss is {@link DetconBLoss}, the symmetrised `byol_nce_detcon`;
 * 4. after the optimizer step, `afterStep` moves the target towards the online network,
 *    ξ ← τ·ξ + (1 − τ)·θ with τ = 1 − (1 − τ_base)(cos(πk/K) + 1)/2 (parameters; the target keeps
 *    its own BatchNorm statistics), declared with {@link MomentumPairs}.
 *
 * Variables: `online.*`, `predictor.*` (trained), `target.*` (EMA). `exports().backbone` is the
 * online backbone with torchvision names.
 */
export class DetconBMethod extends DetconBase implements PretrainMethod {
  readonly online: DetconEncoder;
  readonly predictor: DetconMlp;
  readonly target: DetconEncoder;
  readonly detconLoss: DetconBLoss;
  private readonly momentumPairs: MomentumPairs;

  constructor(config: DetconConfig, rng: Rng, stages: DetconStages) {
    super(config, stages);
    const encoder = (stream: Rng): DetconEncoder =>
      new DetconEncoder({
        createBackbone: stages.createBackbone,
        projector: config.projector,
        rng: stream,
      });
    this.online = encoder(rng.fork('online'));
    this.predictor = new DetconMlp({
      inDim: config.projector.outDim,
      hiddenDim: config.predictor.hiddenDim,
      outDim: config.projector.outDim,
      rng: rng.fork('predictor'),
    });
    // Built with its own stream, then given the online network's values and never trained.
    this.target = encoder(rng.fork('target'));
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.online, this.target]],
      schedule: cosineMomentum(config.momentum),
      buffers: 'keep',
    });
    this.detconLoss = new DetconBLoss(config.temperature, config.lossWeight);
  }

  variables(): NamedVariables {
    return collectVariables([
      ['online', this.online],
      ['predictor', this.predictor],
      ['target', this.target],
    ]);
  }

  /** The online network and the predictor (not BatchNorm buffers, not the target). */
  trainableVariables(): NamedVariables {
    return trainableVariables(
      collectVariables([
        ['online', this.online],
        ['predictor', this.predictor],
      ]),
    );
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const views = this.sampleViews(batch, context);
    return tf.tidy(() => {
      const online = views.map((view) => {
        const projection = encodeView(this.online, view);
        const [b, k, d] = projection.shape;
        return tf.reshape(this.predictor.forward(tf.reshape(projection, [b * k, d]), TRAINING), [
          b,
          k,
          d,
        ]) as tf.Tensor3D;
      }) as [tf.Tensor3D, tf.Tensor3D];
      // The target's variables are not trainable: autodiff gives it no gradient (stop_gradient).
      const target = views.map((view) => encodeView(this.target, view)) as [
        tf.Tensor3D,
        tf.Tensor3D,
      ];
      return combineLosses([
        evaluateLoss(this.detconLoss, {
          predictions: online,
          targets: target,
          maskIds: [views[0].masks.ids, views[1].masks.ids],
        }),
      ]);
    });
  }

  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
  }

  emaMomentum(context: StepContext): number {
    return this.momentumPairs.momentumAt(context);
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.online.backbone.variables() };
  }

  /** Frees every variable (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }
}

/**
 * DetCon-S as a {@link PretrainMethod} (Hénaff et al., ICCV 2021, §3.2: SimCLR's framework with
 * the contrastive detection objective). Per step: both views' FH masks to C5's grid, 16 masks
 * sampled per view and image; one network (backbone → mask pooling → projector) maps each view to
 * projections v¹, v² (each view on its own, as DetCon-B); the loss is {@link DetconSLoss}, whose
 * gradient flows through both views. No predictor, no target, nothing after the step.
 *
 * Variables: `online.*` (trained). `exports().backbone` is its backbone with torchvision names.
 */
export class DetconSMethod extends DetconBase implements PretrainMethod {
  readonly online: DetconEncoder;
  readonly detconLoss: DetconSLoss;

  constructor(config: DetconConfig, rng: Rng, stages: DetconStages) {
    super(config, stages);
    this.online = new DetconEncoder({
      createBackbone: stages.createBackbone,
      projector: config.projector,
      rng: rng.fork('online'),
    });
    this.detconLoss = new DetconSLoss(config.temperature, config.lossWeight);
  }

  variables(): NamedVariables {
    return collectVariables([['online', this.online]]);
  }

  trainableVariables(): NamedVariables {
    return trainableVariables(this.variables());
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const views = this.sampleViews(batch, context);
    return tf.tidy(() => {
      const projections = views.map((view) => encodeView(this.online, view)) as [
        tf.Tensor3D,
        tf.Tensor3D,
      ];
      return combineLosses([
        evaluateLoss(this.detconLoss, {
          projections,
          maskIds: [views[0].masks.ids, views[1].masks.ids],
        }),
      ]);
    });
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { backbone: this.online.backbone.variables() };
  }

  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }
}
