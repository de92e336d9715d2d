import type { Batch, LossOutput, NamedVariables, PretrainMethod, StepContext } from '@ssdet/core';
import { trainableVariables } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { DetectionTargets, Detector } from '../detection/detector.js';
import { cropToBatchExtent, DETECTION_VIEW, type DetectionViews } from './detection-views.js';

/**
 * A detector as the core {@link Trainer} sees a method: one view of each image, the detector's
 * summed losses, and its trainable variables — so fine-tuning gets pre-training's checkpoints,
 * resume, metrics, TensorBoard and NaN guard unchanged.
 */
export class DetectorTraining implements PretrainMethod {
  readonly name: string;

  constructor(
    readonly detector: Detector,
    readonly views: DetectionViews,
    detectorName: string,
  ) {
    this.name = `finetune-${detectorName}`;
  }

  loss(batch: Batch, context: StepContext): LossOutput {
    const view = batch.views[DETECTION_VIEW]!;
    const boxes = view.boxes!.arraySync();
    const ids = view.boxIds!.arraySync();
    // Inside the trainer's gradient scope: the cut tensors are freed with the step's others.
    const { images, masks } = cropToBatchExtent(view);
    const [, height, width] = images.shape;
    const instanceMasks = !this.detector.needsMasks ? undefined : (masks?.dataSync() as Int32Array);
    const targets: DetectionTargets[] = boxes.map((rows, i) => {
      const kept = ids[i]!.map((label, k) => [label, k] as const).filter(([label]) => label > 0);
      const target = {
        boxes: Float32Array.from(kept.flatMap(([, k]) => rows[k]!)),
        labels: Int32Array.from(kept.map(([label]) => label)),
      };
      if (instanceMasks === undefined) return target;
      // Box k's pixels carry label k + 1 (see DetectionViews).
      const pixels = height * width;
      const data = new Float32Array(kept.length * pixels);
      const image = instanceMasks.subarray(i * pixels, (i + 1) * pixels);
      kept.forEach(([, k], j) => {
        for (let p = 0; p < pixels; p++) if (image[p] === k + 1) data[j * pixels + p] = 1;
      });
      return { ...target, masks: { count: kept.length, height, width, data } };
    });
    const losses = this.detector.losses(
      {
        images,
        imageSizes: view.geometry.map((g) => [g.height, g.width] as const),
      },
      targets,
      context.rng,
    );
    const terms: Record<string, tf.Scalar> = { ...losses };
    return { total: tf.addN(Object.values(terms)) as tf.Scalar, terms };
  }

  variables(): NamedVariables {
    return this.detector.variables();
  }

  trainableVariables(): NamedVariables {
    return trainableVariables(this.detector.variables());
  }

  exports(): Readonly<Record<string, NamedVariables>> {
    return { detector: this.detector.variables() };
  }
}
