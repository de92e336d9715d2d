import { multiScaleRoiAlign } from '@ssdet/nn';
import { expectClose, readReferenceJson } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '@ssdet/core';
import { sampleBalanced } from './balanced-sampler.js';
import { fastRcnnLoss } from './fast-rcnn-loss.js';
import { FastRcnnPredictor } from './fast-rcnn-predictor.js';
import { postprocessDetections } from './postprocess-detections.js';
import { labelRois, roiTargets } from './roi-training-samples.js';
import { rpnLoss } from './rpn-loss.js';
import { assignAnchorTargets } from './rpn-targets.js';
import { TwoMlpHead } from './two-mlp-head.js';

/** tools/reference/transfer/make_roi_head_fixtures.py, run on Debian's torchvision 0.14. */
interface Packed {
  shape: number[];
  data: number[];
}
type BoxList = number[][];
interface Fixture {
  rpnLoss: {
    anchors: BoxList;
    gtBoxes: BoxList[];
    objectness: number[];
    predBboxDeltas: BoxList;
    matchedGtIndex: number[][];
    labels: number[][];
    regressionTargets: BoxList[];
    sampledPositive: number[][];
    sampledNegative: number[][];
    numAnchors: number;
    lossObjectness: number;
    lossBoxReg: number;
    config: { batchSizePerImage: number; positiveFraction: number };
  };
  boxHead: {
    features: Record<string, Packed>;
    featureNames: string[];
    weights: Record<string, Packed>;
    imageSizes: [number, number][];
    proposals: BoxList[];
    pooledFeatures: Packed;
    classLogits: number[][];
    boxRegression: number[][];
    postprocess: {
      scoreThresh: number;
      nmsThresh: number;
      detectionsPerImg: number;
      detections: { boxes: BoxList; scores: number[]; labels: number[] }[];
    }[];
  };
  boxHeadTraining: {
    proposals: BoxList[];
    gtBoxes: BoxList[];
    gtLabels: number[][];
    proposalsWithGt: BoxList[];
    matchedIdxsClamped: number[][];
    labels: number[][];
    sampledPositive: number[][];
    sampledNegative: number[][];
    sampledIndices: number[][];
    sampledProposals: BoxList[];
    sampledLabels: number[][];
    regressionTargets: BoxList[];
    classLogits: number[][];
    boxRegression: number[][];
    lossClassifier: number;
    lossBoxReg: number;
    config: { batchSizePerImage: number; positiveFraction: number };
  };
}

const fixture = readReferenceJson<Fixture>('transfer', 'roi_heads.json');
const flat = (rows: BoxList): Float32Array => Float32Array.from(rows.flat());

describe('RPN training targets and loss (torchvision compute_loss)', () => {
  const f = fixture.rpnLoss;
  const anchors = flat(f.anchors);

  it('assigns every anchor the same ground truth, label and regression target', () => {
    f.gtBoxes.forEach((gt, i) => {
      const targets = assignAnchorTargets(anchors, flat(gt));
      expect(Array.from(targets.matches)).toEqual(f.matchedGtIndex[i]);
      expect(Array.from(targets.labels)).toEqual(f.labels[i]);
      expectClose(targets.regressionTargets, f.regressionTargets[i]!.flat(), 1e-5, {
        relative: 'element',
      });
    });
  });

  it('gives the same losses on torchvision’s sampled anchors', () => {
    const n = f.numAnchors;
    const labels = Float32Array.from(f.labels.flat());
    const regressionTargets = Float32Array.from(f.regressionTargets.flat(2));
    const global = (lists: number[][]) =>
      Int32Array.from(lists.flatMap((list, i) => list.map((a) => a + i * n)));
    const losses = tf.tidy(() => {
      const out = rpnLoss(tf.tensor1d(f.objectness), tf.tensor2d(f.predBboxDeltas), {
        labels,
        regressionTargets,
        positive: global(f.sampledPositive),
        negative: global(f.sampledNegative),
      });
      return [out.objectness.dataSync()[0]!, out.boxRegression.dataSync()[0]!];
    });
    expectClose(losses, [f.lossObjectness, f.lossBoxReg], 1e-5, { relative: 'element' });
  });

  it('samples as many positives and negatives as torchvision', () => {
    f.labels.forEach((labels, i) => {
      const sample = sampleBalanced(
        labels,
        f.config.batchSizePerImage,
        f.config.positiveFraction,
        Rng.fromSeed(i),
      );
      expect(sample.positive.length).toBe(f.sampledPositive[i]!.length);
      expect(sample.negative.length).toBe(f.sampledNegative[i]!.length);
      for (const a of sample.positive) expect(labels[a]).toBe(1);
      for (const a of sample.negative) expect(labels[a]).toBe(0);
    });
  });
});

/** A torchvision `[out, in]` Linear weight into ssdet's `[in, out]` variable, and its bias. */
function assignLinear(
  layer: { weight: tf.Variable; bias: tf.Variable | undefined },
  weights: Record<string, Packed>,
  name: string,
): void {
  const weight = weights[`${name}.weight`]!;
  tf.tidy(() => {
    layer.weight.assign(
      tf.transpose(tf.tensor2d(weight.data, weight.shape as [number, number])),
    );
    layer.bias!.assign(tf.tensor1d(weights[`${name}.bias`]!.data));
  });
}

describe('RoI box head (MultiScaleRoIAlign, TwoMLPHead, FastRCNNPredictor) in eval mode', () => {
  const f = fixture.boxHead;
  const channels = f.features['0']!.shape[1]!;
  const numClasses = f.classLogits[0]!.length;
  const rng = Rng.fromSeed(0);
  const head = new TwoMlpHead(channels, 7, f.weights['box_head.fc6.weight']!.shape[0]!, rng);
  const predictor = new FastRcnnPredictor(head.fc7.outFeatures, numClasses, rng);
  assignLinear(head.fc6, f.weights, 'box_head.fc6');
  assignLinear(head.fc7, f.weights, 'box_head.fc7');
  assignLinear(predictor.classScore, f.weights, 'box_predictor.cls_score');
  assignLinear(predictor.boxPrediction, f.weights, 'box_predictor.bbox_pred');

  const outputs = tf.tidy(() => {
    const levels = f.featureNames.map((name, i) => ({
      features: tf.transpose(
        tf.tensor4d(f.features[name]!.data, f.features[name]!.shape as [number, number, number, number]),
        [0, 2, 3, 1],
      ) as tf.Tensor4D,
      stride: 4 * 2 ** i,
    }));
    const pooled = multiScaleRoiAlign(
      levels,
      f.proposals.map((boxes) => boxes),
      { outputSize: 7, samplingRatio: 2, aligned: false },
    );
    const { classLogits, boxDeltas } = predictor.forward(head.forward(pooled));
    return {
      pooled: tf.transpose(pooled, [0, 3, 1, 2]).dataSync(),
      classLogits: classLogits.dataSync(),
      boxDeltas: boxDeltas.dataSync(),
    };
  });

  it('pools the same features and predicts the same logits and deltas', () => {
    expectClose(outputs.pooled, f.pooledFeatures.data, 1e-5, { relative: 'element' });
    expectClose(outputs.classLogits, f.classLogits.flat(), 1e-4, { relative: 'tensor' });
    expectClose(outputs.boxDeltas, f.boxRegression.flat(), 1e-4, { relative: 'tensor' });
  });

  it('post-processes into the same detections (scores, NMS per class, top-k)', () => {
    for (const setting of f.postprocess) {
      let offset = 0;
      f.proposals.forEach((boxes, i) => {
        const count = boxes.length;
        const detections = postprocessDetections(
          Float32Array.from(f.classLogits.slice(offset, offset + count).flat()),
          Float32Array.from(f.boxRegression.slice(offset, offset + count).flat()),
          flat(boxes),
          numClasses,
          f.imageSizes[i]!,
          {
            scoreThreshold: setting.scoreThresh,
            nmsThreshold: setting.nmsThresh,
            detectionsPerImage: setting.detectionsPerImg,
            minSize: 1e-2,
          },
        );
        offset += count;
        const expected = setting.detections[i]!;
        expect(Array.from(detections.labels)).toEqual(expected.labels);
        expectClose(detections.scores, expected.scores, 1e-5);
        expectClose(detections.boxes, expected.boxes.flat(), 1e-4, { relative: 'element' });
      });
    }
  });
});

describe('RoI head training targets and fastrcnn_loss', () => {
  const f = fixture.boxHeadTraining;

  it('labels proposals + ground truth as torchvision (matched object, class, background)', () => {
    f.proposals.forEach((proposals, i) => {
      const rois = labelRois(flat(proposals), flat(f.gtBoxes[i]!), Int32Array.from(f.gtLabels[i]!));
      expect(Array.from(rois.candidates)).toEqual(Array.from(flat(f.proposalsWithGt[i]!)));
      expect(Array.from(rois.labels)).toEqual(f.labels[i]);
      expect(Array.from(rois.matchedObjects)).toEqual(f.matchedIdxsClamped[i]);
    });
  });

  it('gives the same targets for torchvision’s samples, and the same sample sizes', () => {
    f.proposals.forEach((proposals, i) => {
      const rois = labelRois(flat(proposals), flat(f.gtBoxes[i]!), Int32Array.from(f.gtLabels[i]!));
      const targets = roiTargets(rois, Int32Array.from(f.sampledIndices[i]!), flat(f.gtBoxes[i]!));
      expect(Array.from(targets.labels)).toEqual(f.sampledLabels[i]);
      expectClose(targets.proposals, f.sampledProposals[i]!.flat(), 0);
      expectClose(targets.regressionTargets, f.regressionTargets[i]!.flat(), 1e-5, {
        relative: 'element',
      });
      const sample = sampleBalanced(rois.labels, f.config.batchSizePerImage, f.config.positiveFraction, Rng.fromSeed(i));
      expect(sample.positive.length).toBe(f.sampledPositive[i]!.length);
      expect(sample.negative.length).toBe(f.sampledNegative[i]!.length);
    });
  });

  it('computes the same classifier and box losses', () => {
    const losses = tf.tidy(() => {
      const out = fastRcnnLoss(
        tf.tensor2d(f.classLogits),
        tf.tensor2d(f.boxRegression),
        Int32Array.from(f.sampledLabels.flat()),
        Float32Array.from(f.regressionTargets.flat(2)),
      );
      return [out.classifier.dataSync()[0]!, out.boxRegression.dataSync()[0]!];
    });
    expectClose(losses, [f.lossClassifier, f.lossBoxReg], 1e-5, { relative: 'element' });
  });
});
