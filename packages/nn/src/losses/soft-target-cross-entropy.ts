import { SsdetError } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernel a backend may provide for {@link softTargetCrossEntropy}'s value
 * (`@ssdet/backend-native` does): inputs `student` `[M, D]`, `teacher` `[M, D]`, `center` `[D]`;
 * attrs `studentTemperature`, `teacherTemperature`; output the scalar mean loss.
 */
export const SOFT_TARGET_CROSS_ENTROPY = 'SsdetSoftTargetCrossEntropy';

/**
 * Kernel for {@link softTargetCrossEntropy}'s gradient with respect to the student: the inputs
 * of {@link SOFT_TARGET_CROSS_ENTROPY} and `dy` (a scalar), the same attrs; output `[M, D]`.
 */
export const SOFT_TARGET_CROSS_ENTROPY_GRAD = 'SsdetSoftTargetCrossEntropyGrad';

export interface SoftTargetCrossEntropyOptions {
  /** τ_s, dividing the student's logits. */
  readonly studentTemperature: number;
  /** τ_t, dividing the centred teacher logits. */
  readonly teacherTemperature: number;
  /**
   * Rows per chunk of the tfjs path (backends without the fused kernel), which bounds its
   * temporaries to `chunkRows × D` values each. Default 1024.
   */
  readonly chunkRows?: number;
}

const DEFAULT_CHUNK_ROWS = 1024;

/**
 * The soft-target cross-entropy of self-distillation, DINO's loss (Caron et al., "Emerging
 * Properties in Self-Supervised Vision Transformers", ICCV 2021, eq. 2 with centring) as PLRC's
 * L_ts uses it: over the M rows of student logits s and teacher logits t,
 *
 *     L = (1/M) Σ_m −Σ_j softmax((t_m − c)/τ_t)_j · log softmax(s_m/τ_s)_j
 *
 * with the centre c `[D]` subtracted from every teacher row. The teacher and the centre are
 * constants (stop-gradient, as DINO and PLRC detach them); the gradient with respect to the
 * student is
 *
 *     ∂L/∂s_m = (softmax(s_m/τ_s) − softmax((t_m − c)/τ_t)) / (τ_s · M).
 *
 * A backend with the fused {@link SOFT_TARGET_CROSS_ENTROPY} kernels (`@ssdet/backend-native`)
 * computes value and gradient in one pass over each row; other backends run tfjs ops on chunks of
 * `chunkRows` rows, so that no `[M, D]` temporary is made in the forward pass (PLRC's rows are
 * 43,680 × 7,232: 1.26 GB per temporary). 0 when M = 0.
 *
 * @param studentLogits `[M, D]` s.
 * @param teacherLogits `[M, D]` t.
 * @param center `[D]` c.
 */
export function softTargetCrossEntropy(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  center: tf.Tensor1D,
  options: SoftTargetCrossEntropyOptions,
): tf.Scalar {
  const { studentTemperature, teacherTemperature, chunkRows = DEFAULT_CHUNK_ROWS } = options;
  if (
    studentLogits.rank !== 2 ||
    !tf.util.arraysEqual(studentLogits.shape, teacherLogits.shape) ||
    center.rank !== 1 ||
    center.shape[0] !== studentLogits.shape[1]
  ) {
    throw new SsdetError(
      'NN_BAD_INPUT',
      `softTargetCrossEntropy expects student and teacher logits [M, D] and a centre [D]; got [${studentLogits.shape.join(', ')}], [${teacherLogits.shape.join(', ')}], [${center.shape.join(', ')}].`,
    );
  }
  if (!(studentTemperature > 0) || !(teacherTemperature > 0)) {
    throw new SsdetError(
      'NN_BAD_OPTION',
      `softTargetCrossEntropy temperatures must be positive; got studentTemperature ${studentTemperature}, teacherTemperature ${teacherTemperature}.`,
    );
  }
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new SsdetError(
      'NN_BAD_OPTION',
      `softTargetCrossEntropy chunkRows must be a positive integer; got ${chunkRows}.`,
    );
  }
  if (studentLogits.shape[0] === 0) return tf.scalar(0);
  const attrs = { studentTemperature, teacherTemperature };
  const fused = tf.getKernel(SOFT_TARGET_CROSS_ENTROPY, tf.getBackend()) !== undefined;
  const withGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const student = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    // Saved so that they outlive a caller's tidy until the backward pass.
    save([student, teacherLogits, center]);
    const value = tf.tidy(() =>
      fused
        ? runFused(SOFT_TARGET_CROSS_ENTROPY, { student, teacher: teacherLogits, center }, attrs)
        : chunkedValue(student, teacherLogits, center, attrs, chunkRows),
    );
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [s, t, c] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        return fused
          ? runFused(
              SOFT_TARGET_CROSS_ENTROPY_GRAD,
              { student: s, teacher: t, center: c, dy: dy as tf.Tensor },
              attrs,
            )
          : chunkedGradient(s, t, c, dy as tf.Scalar, attrs, chunkRows);
      },
    };
  });
  return withGradient(studentLogits) as tf.Scalar;
}

interface Temperatures {
  readonly studentTemperature: number;
  readonly teacherTemperature: number;
}

function runFused(kernelName: string, inputs: tf.NamedTensorMap, attrs: Temperatures): tf.Tensor {
  return tf.engine().runKernel(kernelName, inputs, { ...attrs }) as tf.Tensor;
}

/** Each chunk's rows `[r, r + n)`, in order. */
function chunks(rows: number, chunkRows: number): (readonly [number, number])[] {
  const out: (readonly [number, number])[] = [];
  for (let r = 0; r < rows; r += chunkRows) out.push([r, Math.min(chunkRows, rows - r)]);
  return out;
}

function teacherTargets(
  teacher: tf.Tensor2D,
  center: tf.Tensor1D,
  teacherTemperature: number,
): tf.Tensor2D {
  return tf.softmax(tf.div<tf.Tensor2D>(tf.sub(teacher, center), teacherTemperature));
}

function chunkedValue(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  center: tf.Tensor1D,
  { studentTemperature, teacherTemperature }: Temperatures,
  chunkRows: number,
): tf.Scalar {
  const rows = student.shape[0];
  let total: tf.Scalar = tf.scalar(0);
  for (const [begin, size] of chunks(rows, chunkRows)) {
    const next = tf.tidy(() => {
      const s = tf.slice(student, [begin, 0], [size, -1]);
      const t = tf.slice(teacher, [begin, 0], [size, -1]);
      const target = teacherTargets(t, center, teacherTemperature);
      const logProb = tf.logSoftmax(tf.div(s, studentTemperature));
      return tf.sub(total, tf.sum(tf.mul(target, logProb)));
    });
    total.dispose();
    total = next as tf.Scalar;
  }
  const mean = tf.div(total, rows);
  total.dispose();
  return mean as tf.Scalar;
}

function chunkedGradient(
  student: tf.Tensor2D,
  teacher: tf.Tensor2D,
  center: tf.Tensor1D,
  dy: tf.Scalar,
  { studentTemperature, teacherTemperature }: Temperatures,
  chunkRows: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const factor = tf.div(dy, studentTemperature * student.shape[0]);
    const parts = chunks(student.shape[0], chunkRows).map(([begin, size]) =>
      tf.tidy(() => {
        const s = tf.slice(student, [begin, 0], [size, -1]);
        const t = tf.slice(teacher, [begin, 0], [size, -1]);
        const difference = tf.sub(
          tf.softmax(tf.div(s, studentTemperature)),
          teacherTargets(t, center, teacherTemperature),
        );
        return tf.mul<tf.Tensor2D>(difference, factor);
      }),
    );
    return parts.length === 1 ? parts[0]! : tf.concat2d(parts, 0);
  });
}
