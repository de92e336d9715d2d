import {
  SsdetError,
  type Backbone,
  type HasVariables,
  type NamedVariables,
  type Rng,
} from '@ssdet/core';
import {
  MlpHead,
  globalAvgPool,
  l2Normalize,
  loadStateDict,
  readWeightSource,
  resolveWeightSource,
  setTrainable,
} from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** Which embedding of the frozen teacher DETReg regresses (`--obj_embedding_head`). */
export type TeacherEmbedding = 'intermediate' | 'head';

/** SwAV's projection head: `Linear(2048, 2048) → BN → ReLU → Linear(2048, 128)`. */
const SWAV_HEAD = { hiddenDim: 2048, outDim: 128 } as const;

/** Where released SwAV checkpoints keep the projection head, longest first. */
const HEAD_PREFIXES = ['module.projection_head.', 'projection_head.'] as const;

/**
 * DETReg's frozen teacher (`models/backbone.py`), applied to the prior crops under no-grad in
 * `engine.train_one_epoch`:
 *
 * - `intermediate` (default, `build_swav_backbone_old`): the FrozenBN ResNet's layer2 output
 *   (ResNet level C3; 512 channels on ResNet-50), spatially averaged — e_k = mean_{x,y} C3(crop_k).
 * - `head` (`build_swav_backbone`): SwAV's ResNet-50 C5 average-pooled, through its projection
 *   head `Linear → BN → ReLU → Linear` to 128-d, L2-normalised.
 *
 * Nothing in it is trainable; `embed` reads no variable the optimizer updates, so no gradient
 * reaches it.
 */
export class Teacher implements HasVariables {
  readonly embeddingDim: number;
  readonly head: MlpHead | undefined;

  /**
   * @param backbone the frozen CNN (FrozenBatchNorm2d, every stage frozen); the detector's own
   *   when the teacher's weights are the backbone's.
   * @param shared whether `backbone` is the detector's (then its variables are not listed here).
   */
  constructor(
    readonly backbone: Backbone,
    readonly embedding: TeacherEmbedding,
    readonly shared: boolean,
    rng: Rng,
  ) {
    const level = embedding === 'intermediate' ? 'C3' : 'C5';
    const channels = backbone.levels.find((l) => l.name === level)?.channels;
    if (channels === undefined) {
      throw new SsdetError(
        'DETREG_TEACHER_LEVEL',
        `DETReg teacher "${embedding}" reads level ${level} of backbone "${backbone.name}", which has levels ${backbone.levels.map((l) => l.name).join(', ')}.`,
      );
    }
    if (embedding === 'head') {
      this.head = new MlpHead({
        inDim: channels,
        hiddenDim: SWAV_HEAD.hiddenDim,
        outDim: SWAV_HEAD.outDim,
        rng: rng.fork('projection_head'),
      });
      setTrainable(this.head.variables(), false);
      this.embeddingDim = SWAV_HEAD.outDim;
    } else {
      this.head = undefined;
      this.embeddingDim = channels;
    }
  }

  /** `[N, S, S, 3]` normalised crops → `[N, E]` embeddings. */
  embed(crops: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const maps = this.backbone.forward(crops, { training: false });
      if (this.head === undefined) return globalAvgPool(maps['C3'] as tf.Tensor4D);
      const pooled = globalAvgPool(maps['C5'] as tf.Tensor4D);
      return l2Normalize(this.head.forward(pooled, { training: false }), 1) as tf.Tensor2D;
    });
  }

  /**
   * Loads SwAV's `projection_head.*` (under `module.` or not) from a weights file, for `head`.
   * @param field the config key named in errors.
   */
  loadHead(source: string, field: string): number {
    if (this.head === undefined) return 0;
    const resolved = resolveWeightSource(source, field);
    const tensors = readWeightSource(resolved, field);
    const names = [...tensors.keys()];
    const prefix = HEAD_PREFIXES.find((p) => names.some((name) => name.startsWith(`${p}0.`)));
    if (prefix === undefined) {
      throw new SsdetError(
        'DETREG_TEACHER_HEAD_MISSING',
        `${field} ${resolved.file}: teacher.embedding "head" needs SwAV's projection head (projection_head.0.weight, …), and the file has none.`,
        {
          hint: 'Give a SwAV checkpoint (swav_800ep_pretrain.pth.tar), or use teacher.embedding=intermediate (the default).',
        },
      );
    }
    const report = loadStateDict(this.head, tensors, { strict: false, prefix });
    if (report.missing.length > 0 || report.shapeMismatches.length > 0) {
      throw new SsdetError(
        'DETREG_TEACHER_HEAD_MISMATCH',
        `${field} ${resolved.file}: its projection head does not fit (${report.missing.length} missing, ${report.shapeMismatches.length} of another shape).`,
      );
    }
    return report.loaded.length;
  }

  /** The teacher's own variables (none of them trainable): its CNN unless shared, its head. */
  variables(): NamedVariables {
    const out = new Map<string, tf.Variable>();
    if (!this.shared) for (const [n, v] of this.backbone.variables()) out.set(`backbone.${n}`, v);
    if (this.head !== undefined)
      for (const [n, v] of this.head.variables()) out.set(`projection_head.${n}`, v);
    return out;
  }
}
