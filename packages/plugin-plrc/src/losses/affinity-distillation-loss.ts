import { SsdetError, type Loss } from '@ssdet/core';
import { softTargetCrossEntropy } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `[M, D]` rows, whole or as blocks of rows (one per image, as {@link distillationRows} gives
 * them) that stand for their concatenation.
 */
export type DistillationRows = tf.Tensor2D | readonly tf.Tensor2D[];

/** What {@link AffinityDistillationLoss} compares, one row per overlapping point pair. */
export interface AffinityDistillationInputs {
  /**
   * `[M, S² + K]` the student: for each query-view point of a pair, its affinities to the key
   * view's S² points (fcs_2 bottlenecks, / 128) followed by its K prototype logits.
   */
  readonly student: DistillationRows;
  /**
   * `[M, S² + K]` the teacher: the same for the pair's point in the extra view (momentum encoder;
   * a constant), in blocks of the same rows as the student's.
   */
  readonly teacher: DistillationRows;
  /** `[S² + K]` the centre c, a running mean of the teacher's rows. */
  readonly center: tf.Tensor1D;
  /** τ_t at this epoch (see {@link teacherTemperatureAt}). */
  readonly teacherTemperature: number;
}

const blocksOf = (rows: DistillationRows): readonly tf.Tensor2D[] =>
  Array.isArray(rows) ? rows : [rows as tf.Tensor2D];

const rowCount = (blocks: readonly tf.Tensor2D[]): number =>
  blocks.reduce((sum, block) => sum + block.shape[0], 0);

/**
 * PLRC's point affinity distillation L_ts (Bai et al., CVPR 2022, §3.3; official
 * `SelfDistillation`, DINO's loss): over the M point pairs of the query and extra views whose
 * centres lie within half a bin diagonal,
 *
 *     L_ts = (1/M) Σ_m −Σ_j softmax((t_m − c)/τ_t)_j · log softmax(s_m/τ_s)_j
 *
 * with τ_s = 0.1 and τ_t warmed from 0.04 to 0.07. The teacher is a constant (the official
 * detaches it); the centre moves after the step ({@link updatedCenter}). 0 when M = 0 (the
 * official would give NaN). Each block of rows goes through `@ssdet/nn`'s fused
 * `softTargetCrossEntropy` (one pass per row on the native backend, chunks of rows elsewhere),
 * weighted by its share of the M rows.
 */
export function affinityDistillationLoss(
  inputs: AffinityDistillationInputs,
  studentTemperature: number,
): tf.Scalar {
  const { center, teacherTemperature } = inputs;
  const [student, teacher] = [blocksOf(inputs.student), blocksOf(inputs.teacher)];
  const shapes = (blocks: readonly tf.Tensor2D[]) =>
    blocks.map((block) => `[${block.shape.join(', ')}]`).join(' ');
  if (
    student.length !== teacher.length ||
    student.some(
      (block, i) =>
        block.rank !== 2 ||
        !tf.util.arraysEqual(block.shape, teacher[i]!.shape) ||
        block.shape[1] !== center.shape[0],
    ) ||
    center.rank !== 1
  ) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `L_ts expects student and teacher rows [M, D] (in blocks of the same shapes) and a centre [D]; got ${shapes(student)}, ${shapes(teacher)}, [${center.shape.join(', ')}].`,
    );
  }
  const rows = rowCount(student);
  if (rows === 0) return tf.scalar(0);
  const options = { studentTemperature, teacherTemperature };
  return tf.tidy(() => {
    const terms = student.flatMap((block, i) => {
      if (block.shape[0] === 0) return [];
      const loss = softTargetCrossEntropy(block, teacher[i]!, center, options);
      return [block.shape[0] === rows ? loss : tf.mul(loss, block.shape[0] / rows)];
    });
    return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
  });
}

/**
 * The centre after a step, `c ← m·c + (1 − m)·mean_m t_m` (official `update_center`) over the
 * teacher's rows (whole or in blocks); `c` when M = 0.
 */
export function updatedCenter(
  center: tf.Tensor1D,
  teacher: DistillationRows,
  momentum: number,
): tf.Tensor1D {
  const blocks = blocksOf(teacher);
  const rows = rowCount(blocks);
  return tf.tidy(() => {
    if (rows === 0) return tf.clone(center);
    const mean =
      blocks.length === 1
        ? tf.mean(blocks[0]!, 0)
        : tf.div(tf.addN(blocks.map((block) => tf.sum(block, 0))), rows);
    return tf.add(tf.mul(center, momentum), tf.mul(mean, 1 - momentum));
  });
}

/**
 * The teacher temperature at `epoch`, official `teacher_temp_schedule`: linear from `warmup` at
 * epoch 0 to `final` at epoch `warmupEpochs − 1` (numpy `linspace`), `final` from then on.
 */
export function teacherTemperatureAt(
  epoch: number,
  schedule: { readonly warmup: number; readonly final: number; readonly warmupEpochs: number },
): number {
  const { warmup, final, warmupEpochs } = schedule;
  if (epoch >= warmupEpochs) return final;
  if (warmupEpochs <= 1) return warmup;
  return warmup + ((final - warmup) * epoch) / (warmupEpochs - 1);
}

/** L_ts as a {@link Loss}: name `distillation`, weight the paper's λ_ts (0.3). */
export class AffinityDistillationLoss implements Loss<AffinityDistillationInputs> {
  readonly name = 'distillation';

  constructor(
    readonly studentTemperature: number,
    readonly weight: number,
  ) {}

  compute(inputs: AffinityDistillationInputs): tf.Scalar {
    return affinityDistillationLoss(inputs, this.studentTemperature);
  }
}
