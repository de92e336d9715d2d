import type { Rng } from '@ssdet/core';

/** The indices a {@link sampleBalanced} draw picked, each in ascending order. */
export interface BalancedSample {
  readonly positive: Int32Array;
  readonly negative: Int32Array;
}

/**
 * torchvision's `BalancedPositiveNegativeSampler` for one image: at most
 * `batchSizePerImage · positiveFraction` positives (label ≥ 1), the rest of the batch from the
 * negatives (label 0), each drawn uniformly without replacement; label −1 is never drawn.
 * torchvision draws with `torch.randperm`, so the same labels give other indices here, with
 * the same counts and the same distribution. The RPN uses 256 / 0.5, the box head 512 / 0.25.
 */
export function sampleBalanced(
  labels: ArrayLike<number>,
  batchSizePerImage: number,
  positiveFraction: number,
  rng: Rng,
): BalancedSample {
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= 1) positives.push(i);
    else if (labels[i] === 0) negatives.push(i);
  }
  const positiveCount = Math.min(
    positives.length,
    Math.trunc(batchSizePerImage * positiveFraction),
  );
  const negativeCount = Math.min(negatives.length, batchSizePerImage - positiveCount);
  return {
    positive: drawWithoutReplacement(positives, positiveCount, rng),
    negative: drawWithoutReplacement(negatives, negativeCount, rng),
  };
}

/** `count` of `pool`, uniformly without replacement (a partial Fisher–Yates shuffle), sorted. */
function drawWithoutReplacement(pool: number[], count: number, rng: Rng): Int32Array {
  for (let i = 0; i < count; i++) {
    const j = rng.int(i, pool.length);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return Int32Array.from(pool.slice(0, count)).sort();
}
