import {
  SINGLE_PROCESS,
  SsdetError,
  type Backbone,
  type Batch,
  type BatchedView,
  type Logger,
  type LossOutput,
  type NamedVariables,
  type ParameterGroup,
  type PretrainMethod,
  type RegionSource,
  type Rng,
  type StepContext,
  type ProcessGroup,
} from '@ssdet/core';
import {
  linearProjectionParameterGroups,
  type SetCriterion,
  type SetOutputs,
  type SetTarget,
} from '@ssdet/detr';
import { MomentumPairs, collectVariables, constantMomentum, trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import { loadBackboneWeights } from './backbone-weights.js';
import type { ProsecoConfig } from './config.js';
import { ProsecoDetector } from './detector.js';
import { buildContrastInputs } from './contrast-inputs.js';
import { LocInfoNceLoss, type LocInfoNceInputs } from './losses/loc-info-nce.js';
import { createLocalizationCriterion } from './losses/localization-criterion.js';
import { normalizedPriors, paddedBatchMask } from './padded-batch.js';
import { STUDENT_VIEW, TEACHER_VIEW, type ProsecoViewGenerator } from './views.js';

/** The stages ProSeCo is built from, resolved by name in the run container (see plugin.ts). */
export interface ProsecoStages {
  /** `backbone.arch` with FrozenBatchNorm2d and every stage frozen, reading C3–C5. */
  readonly createBackbone: (rng: Rng) => Backbone;
  /** The student (strong) and teacher (weak) views, both with the Selective Search boxes. */
  readonly views: ProsecoViewGenerator;
  /** Selective Search, preset `detreg` (fresh or cached). */
  readonly regions: RegionSource;
}

/** The label of every Selective Search box. */
export const PRIOR_LABEL = 1;

/**
 * ProSeCo as a {@link PretrainMethod} (Bouniot et al., ICLR 2023, method section and Fig. 2). Per step:
 *
 * 1. the student (Deformable DETR on the fixed CNN) predicts Q boxes and object embeddings on the
 *    strong view; the teacher, an EMA copy of the student's detector on the same CNN, predicts Q
 *    proposals on the weak view (no dropout, no gradient);
 * 2. localisation: the student's predictions are Hungarian-matched to the image's Selective
 *    Search boxes — focal objectness + L1 + GIoU on every decoder layer
 *    ({@link createLocalizationCriterion});
 * 3. LocInfoNCE: the student's predictions are Hungarian-matched (box cost) to the teacher's
 *    proposals ({@link matchProposals}); each student embedding is contrasted with every teacher
 *    embedding of the batch, the positives being the proposals of its image overlapping the
 *    anchor box with IoU ≥ δ plus its matched one ({@link locationPositives},
 *    {@link LocInfoNceLoss});
 * 4. after the optimizer step, the teacher's detector moves towards the student's:
 *    θ_t ← m·θ_t + (1 − m)·θ_s ({@link MomentumPairs}, constant m).
 *
 * Variables: `backbone.*` (fixed), `student.*` (trained), `teacher.*` (EMA). `exports()`:
 * `backbone` (the fixed CNN) and `detector` (the student without `class_embed`, which fine-tuning
 * replaces) — the names `ssdet finetune --detector deformable-detr` loads.
 */
export class ProsecoMethod implements PretrainMethod {
  readonly name = 'proseco';
  readonly views: ProsecoViewGenerator;
  readonly regions: RegionSource;
  readonly backbone: Backbone;
  readonly student: ProsecoDetector;
  readonly teacher: ProsecoDetector;
  readonly criterion: SetCriterion<SetTarget>;
  readonly contrast: LocInfoNceLoss;
  private readonly momentumPairs: MomentumPairs;

  constructor(
    readonly config: ProsecoConfig,
    rng: Rng,
    logger: Logger,
    stages: ProsecoStages,
    group: ProcessGroup = SINGLE_PROCESS,
  ) {
    this.views = stages.views;
    this.regions = stages.regions;
    this.backbone = stages.createBackbone(rng.fork('backbone'));
    loadBackboneWeights(this.backbone, config.backboneWeights, logger);
    const t = config.transformer;
    const detector = (stream: Rng) =>
      new ProsecoDetector({
        backbone: this.backbone,
        dModel: t.dModel,
        numHeads: t.numHeads,
        dimFeedforward: t.dimFeedforward,
        encoderLayers: t.encoderLayers,
        decoderLayers: t.decoderLayers,
        dropout: t.dropout,
        numLevels: t.numLevels,
        numPoints: t.numPoints,
        numQueries: config.numQueries,
        numClasses: config.numClasses,
        embeddingDim: config.embeddingDim,
        rng: stream,
      });
    this.student = detector(rng.fork('student'));
    // Built with its own stream, then overwritten by the student and never trained.
    this.teacher = detector(rng.fork('teacher'));
    this.momentumPairs = new MomentumPairs({
      pairs: [[this.student, this.teacher]],
      schedule: constantMomentum(config.momentum),
      buffers: 'keep',
    });
    this.criterion = createLocalizationCriterion({
      group,
      numClasses: config.numClasses,
      focalAlpha: config.loss.focalAlpha,
      weights: {
        class: config.loss.classWeight,
        bbox: config.loss.bboxWeight,
        giou: config.loss.giouWeight,
      },
      costs: {
        class: config.matcher.costClass,
        bbox: config.matcher.costBbox,
        giou: config.matcher.costGiou,
      },
    });
    this.contrast = new LocInfoNceLoss(
      config.loss.contrastWeight,
      config.contrast.temperature,
      config.contrast.positives,
    );
  }

  variables(): NamedVariables {
    return collectVariables([
      ['backbone', this.backbone],
      ['student', this.student],
      ['teacher', this.teacher],
    ]);
  }

  /** The student's detector: neither the fixed CNN nor the teacher. */
  trainableVariables(): NamedVariables {
    return trainableVariables(collectVariables([['student', this.student]]));
  }

  /** Everything at the learning rate, `reference_points` and `sampling_offsets` at 0.1 × it. */
  parameterGroups(): readonly ParameterGroup[] {
    return linearProjectionParameterGroups(
      this.trainableVariables(),
      this.config.linearProjLrMultiplier,
    );
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const studentView = this.view(batch, STUDENT_VIEW);
    const teacherView = this.view(batch, TEACHER_VIEW);
    const { sizes, pixelMask, height, width } = paddedBatchMask(studentView);
    const priors = normalizedPriors(studentView, sizes);
    return tf.tidy(() => {
      const mask = tf.tensor3d(pixelMask, [batch.size, height, width]);
      const crop = (view: BatchedView) =>
        tf.slice(view.images, [0, 0, 0, 0], [batch.size, height, width, 3]);
      const studentOut = this.student.forward({
        images: crop(studentView),
        pixelMask: mask,
        training: true,
        rng: context.rng.fork('dropout'),
      });
      const teacherOut = this.teacher.forward({
        images: crop(teacherView),
        pixelMask: mask,
        training: false,
      });

      const targets: SetTarget[] = priors.map((boxes) => ({
        labels: new Int32Array(boxes.length / 4).fill(PRIOR_LABEL),
        boxes: tf.tensor2d(boxes, [boxes.length / 4, 4]),
      }));
      const setOutputs: SetOutputs = this.config.loss.auxLoss
        ? studentOut
        : { logits: studentOut.logits, boxes: studentOut.boxes };
      const localization = this.criterion.compute(setOutputs, targets);

      const contrast = this.contrast.compute(this.contrastInputs(studentOut, teacherOut));
      const weighted = tf.mul(contrast, this.contrast.weight) as tf.Scalar;
      return {
        total: tf.add(localization.total, weighted) as tf.Scalar,
        terms: { ...sumOverLayers(localization.terms), [this.contrast.name]: weighted },
      };
    });
  }

  /** LocInfoNCE's inputs from the final decoder layer of both detectors. */
  contrastInputs(studentOut: SetOutputs, teacherOut: SetOutputs): LocInfoNceInputs {
    const features = (out: SetOutputs) => out.extras!['features'] as tf.Tensor3D;
    return buildContrastInputs(
      { boxes: studentOut.boxes, embeddings: features(studentOut) },
      { boxes: teacherOut.boxes, embeddings: features(teacherOut) },
      {
        iouThreshold: this.config.contrast.iouThreshold,
        anchorBox: this.config.contrast.anchorBox,
        costs: {
          bbox: this.config.matcher.costBbox,
          giou: this.config.matcher.costGiou,
          embedding: this.config.matcher.costEmbedding,
        },
      },
    );
  }

  afterStep(context: StepContext): void {
    this.momentumPairs.update(context);
  }

  emaMomentum(context: StepContext): number {
    return this.momentumPairs.momentumAt(context);
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    const detector = new Map(
      [...this.student.variables()].filter(([name]) => !name.startsWith('class_embed.')),
    );
    return { backbone: this.backbone.variables(), detector };
  }

  /** Frees every variable (for library users running several methods in one process). */
  dispose(): void {
    tf.dispose([...this.variables().values()]);
  }

  private view(batch: Batch, name: string): BatchedView {
    const view = batch.views[name];
    if (view === undefined)
      throw new SsdetError(
        'PROSECO_BATCH',
        `ProSeCo: the batch needs the "${STUDENT_VIEW}" and "${TEACHER_VIEW}" views; it has ${Object.keys(batch.views).join(', ') || 'none'}.`,
        { hint: 'Build the batch from the views of method.views.' },
      );
    return view;
  }
}

/** `loss_ce`, `loss_ce_0`, … → `loss_ce` (the weighted sum over decoder layers), etc. */
function sumOverLayers(terms: Readonly<Record<string, tf.Scalar>>): Record<string, tf.Scalar> {
  const groups = new Map<string, tf.Scalar[]>();
  for (const [name, value] of Object.entries(terms)) {
    const base = name.replace(/_\d+$/, '');
    groups.set(base, [...(groups.get(base) ?? []), value]);
  }
  return Object.fromEntries(
    [...groups].map(([name, values]) => [name, tf.addN(values) as tf.Scalar]),
  );
}
