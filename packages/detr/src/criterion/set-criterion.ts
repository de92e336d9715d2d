import * as tf from '@tensorflow/tfjs-core';
import type { LossOutput, ProcessGroup } from '@ssdet/core';
import { SINGLE_PROCESS, SsdetError } from '@ssdet/core';
import { cxcywhToXyxy } from '../box/box-convert.js';
import { pairedGeneralizedBoxIou } from '../box/generalized-iou.js';
import type { HungarianMatcher } from '../matcher/hungarian-matcher.js';
import type { Match, SetOutputs, SetPredictions, SetTarget } from '../matcher/set-types.js';
import { crossEntropyWithEos } from './cross-entropy-with-eos.js';
import { globalBoxCount } from './global-box-count.js';
import type { MatchedLoss, MatchedLossContext } from './matched-loss.js';
import { sigmoidFocalLoss } from './sigmoid-focal-loss.js';

export interface SetCriterionOptions<T extends SetTarget = SetTarget> {
  /** Object classes C, without no-object. Softmax logits have C + 1 columns, focal logits C. */
  readonly numClasses: number;
  readonly matcher: HungarianMatcher;
  /** `cross-entropy` (DETR, with eosCoef) or `focal` (Deformable DETR). Default cross-entropy. */
  readonly classLoss?: 'cross-entropy' | 'focal';
  /** Weight of the no-object class in the cross-entropy (0.1). */
  readonly eosCoef?: number;
  readonly focalAlpha?: number;
  readonly focalGamma?: number;
  /** Loss weights: class (DETR 1, Deformable 2), bbox (5), giou (2). */
  readonly weights?: { readonly class?: number; readonly bbox?: number; readonly giou?: number };
  /** Losses on matched pairs that a method adds. */
  readonly extraLosses?: readonly MatchedLoss<T>[];
  /**
   * The processes of a data-parallel run: N is the box count averaged over them, as DETR's
   * `all_reduce(num_boxes) / world_size` (see {@link globalBoxCount}). Default one process.
   */
  readonly group?: ProcessGroup;
}

export interface SetLossOutput extends LossOutput {
  /** Each term before weighting, by the same names. */
  readonly unweighted: Readonly<Record<string, tf.Scalar>>;
  /** The matching of the final layer, then of each auxiliary layer (`aux[i]`). */
  readonly matches: { readonly final: Match[]; readonly aux: Match[][] };
  readonly numBoxes: number;
}

/**
 * DETR's `SetCriterion` (Carion et al., ECCV 2020, eq. 2): Hungarian-match the final layer's
 * predictions to the targets, then
 *   L = w_class·L_class + w_bbox·Σ‖b̂ − b‖₁/N + w_giou·Σ(1 − GIoU(b̂, b))/N + Σ extra,
 * with N = max(1, number of target boxes — in a data-parallel run, their mean over the processes)
 * and L_class the eos-weighted cross-entropy over all queries (unmatched ones target no-object)
 * or Deformable DETR's sigmoid focal loss / N.
 * Every auxiliary decoder layer is matched on its own and adds the same terms, named with
 * suffix `_{i}` (`loss_ce_0`, …), as DETR's. `terms` hold the weighted values; `total` is their sum.
 */
export class SetCriterion<T extends SetTarget = SetTarget> {
  readonly numClasses: number;
  readonly matcher: HungarianMatcher;
  readonly classLoss: 'cross-entropy' | 'focal';
  readonly eosCoef: number;
  readonly focalAlpha: number;
  readonly focalGamma: number;
  readonly weightClass: number;
  readonly weightBbox: number;
  readonly weightGiou: number;
  readonly extraLosses: readonly MatchedLoss<T>[];
  readonly group: ProcessGroup;

  constructor(options: SetCriterionOptions<T>) {
    this.numClasses = options.numClasses;
    this.matcher = options.matcher;
    this.classLoss = options.classLoss ?? 'cross-entropy';
    this.eosCoef = options.eosCoef ?? 0.1;
    this.focalAlpha = options.focalAlpha ?? 0.25;
    this.focalGamma = options.focalGamma ?? 2;
    this.weightClass = options.weights?.class ?? 1;
    this.weightBbox = options.weights?.bbox ?? 5;
    this.weightGiou = options.weights?.giou ?? 2;
    this.extraLosses = options.extraLosses ?? [];
    this.group = options.group ?? SINGLE_PROCESS;
  }

  compute(outputs: SetOutputs, targets: readonly T[]): SetLossOutput {
    const expectedColumns = this.classLoss === 'focal' ? this.numClasses : this.numClasses + 1;
    const layers: SetPredictions[] = [outputs, ...(outputs.aux ?? [])];
    for (const layer of layers) {
      if (layer.logits.shape[2] !== expectedColumns) {
        throw new SsdetError(
          'DETR_LOGITS_SHAPE',
          `SetCriterion: ${this.classLoss} classification over ${this.numClasses} classes needs ${expectedColumns} logits per query; got ${layer.logits.shape[2]}.`,
        );
      }
    }
    for (const [image, target] of targets.entries()) {
      for (const label of Array.from(target.labels)) {
        if (!Number.isInteger(label) || label < 0 || label >= this.numClasses) {
          throw new SsdetError(
            'DETR_TARGET_LABEL',
            `SetCriterion: target ${image} has label ${label}; labels must be integers in [0, ${this.numClasses}).`,
          );
        }
      }
    }
    const numBoxes = globalBoxCount(
      targets.reduce((total, t) => total + t.labels.length, 0),
      this.group,
    );
    const unweighted: Record<string, tf.Scalar> = {};
    const terms: Record<string, tf.Scalar> = {};
    const finalMatches = this.matcher.match(outputs, targets);
    const auxMatches: Match[][] = [];
    const addLayer = (
      predictions: SetPredictions,
      matches: Match[],
      auxLayer: number | undefined,
    ): void => {
      const suffix = auxLayer === undefined ? '' : `_${auxLayer}`;
      const add = (name: string, value: tf.Scalar, weight: number): void => {
        unweighted[name + suffix] = value;
        terms[name + suffix] = tf.mul(value, weight);
      };
      const context = this.context(predictions, targets, matches, numBoxes, auxLayer);
      add(
        'loss_ce',
        this.classificationLoss(predictions, targets, matches, numBoxes),
        this.weightClass,
      );
      const { l1, giou } = this.boxLosses(predictions, context);
      add('loss_bbox', l1, this.weightBbox);
      add('loss_giou', giou, this.weightGiou);
      for (const extra of this.extraLosses) {
        if (auxLayer !== undefined && extra.auxiliary === false) continue;
        add(extra.name, extra.compute(context), extra.weight);
      }
    };
    addLayer(outputs, finalMatches, undefined);
    (outputs.aux ?? []).forEach((aux, i) => {
      const matches = this.matcher.match(aux, targets);
      auxMatches.push(matches);
      addLayer(aux, matches, i);
    });
    const total = tf.addN(Object.values(terms)) as tf.Scalar;
    return {
      total,
      terms,
      unweighted,
      matches: { final: finalMatches, aux: auxMatches },
      numBoxes,
    };
  }

  private classificationLoss(
    predictions: SetPredictions,
    targets: readonly T[],
    matches: readonly Match[],
    numBoxes: number,
  ): tf.Scalar {
    const [batch, numQueries, columns] = predictions.logits.shape;
    if (this.classLoss === 'focal') {
      const oneHot = new Float32Array(batch * numQueries * columns);
      matches.forEach((match, image) => {
        match.predictions.forEach((query, k) => {
          const label = targets[image]!.labels[match.targets[k]!]!;
          oneHot[(image * numQueries + query) * columns + label] = 1;
        });
      });
      return tf.tidy(() =>
        sigmoidFocalLoss(
          predictions.logits,
          tf.tensor3d(oneHot, [batch, numQueries, columns]),
          numBoxes,
          this.focalAlpha,
          this.focalGamma,
        ),
      );
    }
    const targetClasses = new Int32Array(batch * numQueries).fill(this.numClasses);
    matches.forEach((match, image) => {
      match.predictions.forEach((query, k) => {
        targetClasses[image * numQueries + query] = targets[image]!.labels[match.targets[k]!]!;
      });
    });
    return crossEntropyWithEos(predictions.logits, targetClasses, this.eosCoef);
  }

  private boxLosses(
    predictions: SetPredictions,
    context: MatchedLossContext<T>,
  ): { l1: tf.Scalar; giou: tf.Scalar } {
    const matched = context.matches.reduce((total, m) => total + m.predictions.length, 0);
    if (matched === 0) {
      // Keep the boxes in the tape so gradients are zeros, not missing.
      const zero = tf.tidy(() => tf.mul(tf.sum(predictions.boxes), 0) as tf.Scalar);
      return { l1: zero, giou: tf.clone(zero) };
    }
    return tf.tidy(() => {
      const predicted = context.gatherPredictions(predictions.boxes) as tf.Tensor2D;
      const target = context.gatherTargets((t) => t.boxes) as tf.Tensor2D;
      const l1 = tf.div(tf.sum(tf.abs(tf.sub(predicted, target))), context.numBoxes) as tf.Scalar;
      const giou = pairedGeneralizedBoxIou(cxcywhToXyxy(predicted), cxcywhToXyxy(target));
      return { l1, giou: tf.div(tf.sum(tf.sub(1, giou)), context.numBoxes) as tf.Scalar };
    });
  }

  private context(
    predictions: SetPredictions,
    targets: readonly T[],
    matches: readonly Match[],
    numBoxes: number,
    auxLayer: number | undefined,
  ): MatchedLossContext<T> {
    const numQueries = predictions.logits.shape[1];
    const flatIndex = Int32Array.from(
      matches.flatMap((match, image) =>
        Array.from(match.predictions, (query) => image * numQueries + query),
      ),
    );
    return {
      predictions,
      targets,
      matches,
      numBoxes,
      auxLayer,
      gatherPredictions: (perQuery) =>
        tf.tidy(() => {
          const [batch, queries, ...rest] = perQuery.shape;
          const flat = tf.reshape(perQuery, [batch! * queries!, ...rest]);
          return tf.gather(flat, tf.tensor1d(flatIndex, 'int32'));
        }),
      gatherTargets: (perTarget) =>
        tf.tidy(() =>
          tf.concat(
            matches.map((match, image) =>
              tf.gather(perTarget(targets[image]!, image), tf.tensor1d(match.targets, 'int32')),
            ),
            0,
          ),
        ),
    };
  }
}
