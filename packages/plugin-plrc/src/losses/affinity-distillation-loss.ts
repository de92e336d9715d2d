import { SsdetError, type Loss } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** What {@link AffinityDistillationLoss} compares, one row per overlapping point pair. */
export interface AffinityDistillationInputs {
  /**
   * `[M, S² + K]` the student: for each query-view point of a pair, its affinities to the key
   * view's S² points (fcs_2 bottlenecks, / 128) followed by its K prototype logits.
   */
  readonly student: tf.Tensor2D;
  /** `[M, S² + K]` the teacher: the same for the pair's point in the extra view (momentum encoder; a constant). */
  readonly teacher: tf.Tensor2D;
  /** `[S² + K]` the centre c, a running mean of the teacher's rows. */
  readonly center: tf.Tensor1D;
  /** τ_t at this epoch (see {@link teacherTemperatureAt}). */
  readonly teacherTemperature: number;
}

/**
 * PLRC's point affinity distillation L_ts (Bai et al., CVPR 2022, §3.3; official
 * `SelfDistillation`, DINO's loss): over the M point pairs of the query and extra views whose
 * centres lie within half a bin diagonal,
 *
 *     L_ts = (1/M) Σ_m −Σ_j softmax((t_m − c)/τ_t)_j · log softmax(s_m/τ_s)_j
 *
 * with τ_s = 0.1 and τ_t warmed from 0.04 to 0.07. The teacher is a constant (the official
 * detaches it); the centre moves after the step ({@link updatedCenter}). 0 when M = 0 (the
 * official would give NaN).
 */
export function affinityDistillationLoss(
  inputs: AffinityDistillationInputs,
  studentTemperature: number,
): tf.Scalar {
  const { student, teacher, center, teacherTemperature } = inputs;
  if (
    student.rank !== 2 ||
    !tf.util.arraysEqual(student.shape, teacher.shape) ||
    center.rank !== 1 ||
    center.shape[0] !== student.shape[1]
  ) {
    throw new SsdetError(
      'PLRC_BAD_INPUT',
      `L_ts expects student and teacher [M, D] and a centre [D]; got [${student.shape.join(', ')}], [${teacher.shape.join(', ')}], [${center.shape.join(', ')}].`,
    );
  }
  if (student.shape[0] === 0) return tf.scalar(0);
  return tf.tidy(() => {
    const target = tf.softmax(tf.div(tf.sub(teacher, center), teacherTemperature));
    const logProb = tf.logSoftmax(tf.div(student, studentTemperature));
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logProb), 1))) as tf.Scalar;
  });
}

/** The centre after a step, `c ← m·c + (1 − m)·mean_m t_m` (official `update_center`); `c` when M = 0. */
export function updatedCenter(
  center: tf.Tensor1D,
  teacher: tf.Tensor2D,
  momentum: number,
): tf.Tensor1D {
  return tf.tidy(() =>
    teacher.shape[0] === 0
      ? tf.clone(center)
      : tf.add(tf.mul(center, momentum), tf.mul(tf.mean(teacher, 0), 1 - momentum)),
  );
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
