import {
  SsdetError,
  combineLosses,
  evaluateLoss,
  type Backbone,
  type Batch,
  type LossOutput,
  type NamedVariables,
  type PretrainMethod,
  type Rng,
  type StepContext,
  type ViewGenerator,
} from '@ssdet/core';
import {
  MlpHead,
  MomentumPairs,
  collectVariables,
  cosineMomentum,
  trainableVariables,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { __Name__Config } from './config.js';
import { __Name__Encoder } from './encoder.js';
import { RegressionLoss } from './losses/regression-loss.js';
import { __NAME___VIEW_NAMES } from './views.js';

/** The stages __method__ is built from, resolved by name in the run container (see plugin.ts). */
export interface __Name__Stages {
  /** `backbone.arch` from the stage registry: any backbone with a `C5` level. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** Two views named `view1` and `view2` (see views.ts). */
  readonly views: ViewGenerator;
}

/**
 * __method__ as a {@link PretrainMethod}. The scaffold is BYOL (Grill et al., NeurIPS 2020, §3.1):
 *
 * 1. both views go through the online network (backbone → projector) and the predictor: q₁, q₂;
 * 2. both views go through the target network, an EMA of the online one: z′₁, z′₂;
 * 3. the loss regresses each prediction onto the other view's target ({@link RegressionLoss});
 * 4. after the optimizer step, `afterStep` moves the target towards the online network,
 *    ξ ← τ·ξ + (1 − τ)·θ, τ rising from `momentum` to 1 on a cosine (parameters only).
 *
 * Variables: `online.*` and `predictor.*` (trained), `target.*` (EMA). `exports().backbone` is the
 * online backbone with torchvision names.
 */
export class __Name__Method implements PretrainMethod {
  readonly name = '__method__';
  readonly views: ViewGenerator;
  readonly online: __Name__Encoder;
  readonly predictor: MlpHead;
  readonly target: __Name__Encoder;
  readonly regression: RegressionLoss;
  private readonly momentumPairs: MomentumPairs;

  constructor(
    readonly config: __Name__Config,
    rng: Rng,
    stages: __Name__Stages,
  ) {
    this.views = stages.views;
    const encoder = (stream: Rng): __Name__Encoder =>
      new __Name__Encoder({
        createBackbone: stages.createBackbone,
        projector: config.projector,
        rng: stream,
      });
    this.online = encoder(rng.fork('online'));
    this.predictor = new MlpHead({
      inDim: config.projector.outDim,
      hiddenDim: config.predictor.hiddenDim,
      outDim: config.projector.outDim,
      rng: rng.fork('predictor'),
    });
    // Built with its own stream, then overwritten by the online network and never trained.
    this.target = encoder(rng.fork('target'));
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.online, this.target]],
      schedule: cosineMomentum(config.momentum),
      buffers: 'keep',
    });
    this.regression = new RegressionLoss(config.regressionWeight);
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

  loss(batch: Batch): LossOutput {
    const view1 = this.images(batch, __NAME___VIEW_NAMES[0]);
    const view2 = this.images(batch, __NAME___VIEW_NAMES[1]);
    return tf.tidy(() => {
      const training = { training: true };
      const predict = (images: tf.Tensor4D): tf.Tensor2D =>
        this.predictor.forward(this.online.forward(images, training), training);
      // The target is not trainable, so autodiff gives it no gradient: BYOL's stop-gradient.
      const project = (images: tf.Tensor4D): tf.Tensor2D => this.target.forward(images, training);
      const predictions = [predict(view1), predict(view2)] as const;
      const targets = [project(view1), project(view2)] as const;
      const { total, terms } = combineLosses([
        evaluateLoss(this.regression, { predictions, targets }),
      ]);
      return { total, terms };
    });
  }

  /** After the optimizer step: the target's EMA update. */
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

  private images(batch: Batch, name: string): tf.Tensor4D {
    const view = batch.views[name];
    if (view === undefined)
      throw new SsdetError(
        '__NAME___BAD_BATCH',
        `__method__ needs view "${name}"; the batch has ${Object.keys(batch.views).join(', ') || 'none'}.`,
        { hint: 'Build the batch from the views of method.views.' },
      );
    return view.images;
  }
}
