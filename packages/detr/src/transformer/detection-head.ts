import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { Linear, Mlp, collectVariables } from '@ssdet/nn';
import type { SetOutputs } from '../matcher/set-types.js';

export interface DetectionHeadOptions {
  readonly dModel: number;
  /** Logits per query: C + 1 for softmax (DETR), C for focal (Deformable DETR). */
  readonly numLogits: number;
  readonly rng: Rng;
  /**
   * Deformable DETR's init (`deformable_detr.py`): class bias −log((1 − 0.01)/0.01), last box
   * layer's weight 0 and bias [0, 0, −2, −2] (boxes start small: σ(−2) ≈ 0.12 of the image).
   */
  readonly deformableInit?: boolean;
}

/**
 * DETR's prediction heads shared by every decoder layer: `class_embed` (Linear d → logits) and
 * `bbox_embed` (3-layer MLP d → d → d → 4), boxes = σ(bbox_embed(h)) — or, with reference points
 * (Deformable DETR without refinement), σ(bbox_embed(h) + [σ⁻¹(ref), 0, 0]).
 */
export class DetectionHead implements HasVariables {
  readonly classEmbed: Linear;
  readonly bboxEmbed: Mlp;

  constructor(options: DetectionHeadOptions) {
    const { dModel, numLogits, rng } = options;
    this.classEmbed = new Linear({ inFeatures: dModel, outFeatures: numLogits, rng });
    this.bboxEmbed = new Mlp({
      inputDim: dModel,
      hiddenDim: dModel,
      outputDim: 4,
      numLayers: 3,
      rng,
    });
    if (options.deformableInit === true) {
      const last = this.bboxEmbed.layers[2]!;
      tf.tidy(() => {
        this.classEmbed.bias?.assign(tf.fill([numLogits], -Math.log((1 - 0.01) / 0.01)));
        last.weight.assign(tf.zerosLike(last.weight));
        last.bias?.assign(tf.tensor1d([0, 0, -2, -2]));
      });
    }
  }

  /**
   * `hs` `[L, B, Q, d]` → the last layer's predictions with the others as `aux`.
   * `referencePoints` `[B, Q, 2]` for Deformable DETR.
   */
  apply(hs: tf.Tensor4D, referencePoints?: tf.Tensor3D): SetOutputs {
    const numLayers = hs.shape[0];
    const perLayer = tf.tidy(() =>
      // Slices, not tf.unstack: tfjs's Unpack gradient breaks when there is one layer (L = 1).
      layerSlices(hs).map((h) => {
        const logits = this.classEmbed.forward(h) as tf.Tensor3D;
        let raw = this.bboxEmbed.forward(h);
        if (referencePoints !== undefined) {
          const clamped = tf.clipByValue(referencePoints, 1e-5, 1 - 1e-5);
          const inverse = tf.log(tf.div(clamped, tf.sub(1, clamped)));
          raw = tf.add(
            raw,
            tf.pad(inverse, [
              [0, 0],
              [0, 0],
              [0, 2],
            ]),
          );
        }
        return { logits, boxes: tf.sigmoid(raw) as tf.Tensor3D };
      }),
    );
    const last = perLayer[numLayers - 1]!;
    return { logits: last.logits, boxes: last.boxes, aux: perLayer.slice(0, numLayers - 1) };
  }

  variables(): NamedVariables {
    return collectVariables([
      ['class_embed', this.classEmbed],
      ['bbox_embed', this.bboxEmbed],
    ]);
  }
}

/** `hs` `[L, B, Q, d]` → its L layers `[B, Q, d]`. */
function layerSlices(hs: tf.Tensor4D): tf.Tensor3D[] {
  const [layers, batch, queries, dim] = hs.shape;
  return Array.from(
    { length: layers },
    (_, layer) =>
      tf.reshape(tf.slice(hs, [layer, 0, 0, 0], [1, batch, queries, dim]), [
        batch,
        queries,
        dim,
      ]) as tf.Tensor3D,
  );
}
