import * as tf from '@tensorflow/tfjs-core';
import { Rng, selectBackend } from '@ssdet/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assignStoredWeights, expectClose, toTensor, type StoredArray } from '@ssdet/test-support';
import { readFixture } from '../test-support/fixtures.js';
import { msDeformAttnCore } from './ms-deform-attn-core.js';
import { msDeformAttnByGather } from './ms-deform-attn-gather.js';
import { MsDeformAttn } from './ms-deform-attn.js';
import { encoderReferencePoints, validRatios } from './reference-points.js';

type Shapes = Array<[number, number]>;
interface DeformableFixture {
  core: {
    spatialShapes: Shapes;
    value: StoredArray;
    locations: StoredArray;
    attention: StoredArray;
    output: StoredArray;
    cotangent: StoredArray;
    gradValue: StoredArray;
    gradLocations: StoredArray;
    gradAttention: StoredArray;
  };
  module: {
    dModel: number;
    numLevels: number;
    numHeads: number;
    numPoints: number;
    spatialShapes: Shapes;
    weights: Record<string, StoredArray>;
    query: StoredArray;
    input: StoredArray;
    paddingMask: StoredArray;
    ref2: StoredArray;
    ref4: StoredArray;
    output2: StoredArray;
    output4: StoredArray;
  };
  encoderReference: { spatialShapes: Shapes; validRatios: StoredArray; points: StoredArray };
}

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

const fixture = readFixture<DeformableFixture>('deformable.json');

const implementations = [
  ['fused kernel (cpu)', msDeformAttnCore],
  ['gather composition', msDeformAttnByGather],
] as const;

describe.each(implementations)(
  'msDeformAttnCore, %s, equals ms_deform_attn_core_pytorch (grid_sample, zeros, align_corners=False)',
  (_name, core4) => {
    const { core } = fixture;

    it('output within 1e-5, including sampling points outside the map', () => {
      tf.tidy(() => {
        const out = core4(
          toTensor(core.value),
          core.spatialShapes,
          toTensor(core.locations),
          toTensor(core.attention),
        );
        expectClose(out, core.output, 1e-5);
      });
    });

    it('gradients w.r.t. values, sampling locations and attention weights within 1e-4', () => {
      tf.tidy(() => {
        const cotangent = toTensor(core.cotangent);
        const [gValue, gLocations, gAttention] = tf.grads(
          (value: tf.Tensor, locations: tf.Tensor, attention: tf.Tensor) =>
            tf.sum(
              tf.mul(
                core4(value as tf.Tensor4D, core.spatialShapes, locations, attention),
                cotangent,
              ),
            ),
        )([toTensor(core.value), toTensor(core.locations), toTensor(core.attention)]);
        expectClose(gValue!, core.gradValue);
        expectClose(gLocations!, core.gradLocations);
        expectClose(gAttention!, core.gradAttention);
      });
    });
  },
);

describe('fused kernel and gather composition agree on random problems', () => {
  const cases = [
    { batch: 1, heads: 1, headDim: 3, queries: 5, points: 1, shapes: [[7, 5]] as Shapes },
    {
      batch: 2,
      heads: 3,
      headDim: 4,
      queries: 6,
      points: 3,
      shapes: [
        [6, 9],
        [3, 5],
        [2, 2],
        [1, 1],
      ] as Shapes,
    },
  ];
  it.each(cases)('$batch×$queries queries, $heads heads, $points points, levels $shapes', (c) => {
    tf.tidy(() => {
      const rng = Rng.fromSeed(c.batch * 100 + c.points);
      const length = c.shapes.reduce((total, [h, w]) => total + h * w, 0);
      const levels = c.shapes.length;
      const random = (shape: number[], low: number, high: number): tf.Tensor =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
            rng.uniform(low, high),
          ),
          shape,
        );
      const value = random([c.batch, length, c.heads, c.headDim], -1, 1) as tf.Tensor4D;
      // Locations beyond [0, 1] exercise the zero padding on every side.
      const locations = random([c.batch, c.queries, c.heads, levels, c.points, 2], -0.3, 1.3);
      const attention = random([c.batch, c.queries, c.heads, levels, c.points], 0, 1);
      const cotangent = random([c.batch, c.queries, c.heads * c.headDim], -1, 1);
      const loss =
        (core4: typeof msDeformAttnCore) =>
        (v: tf.Tensor, l: tf.Tensor, a: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(core4(v as tf.Tensor4D, c.shapes, l, a), cotangent));
      const fused = tf.grads(loss(msDeformAttnCore))([value, locations, attention]);
      const gathered = tf.grads(loss(msDeformAttnByGather))([value, locations, attention]);
      expectClose(
        msDeformAttnCore(value, c.shapes, locations, attention),
        msDeformAttnByGather(value, c.shapes, locations, attention),
        1e-5,
      );
      fused.forEach((gradient, i) => expectClose(gradient, gathered[i]!, 1e-4));
    });
  });

  it('leaves no tensors behind over repeated forward and backward passes', () => {
    const value = tf.randomUniform([1, 20, 2, 4]) as tf.Tensor4D;
    const locations = tf.randomUniform([1, 3, 2, 1, 2, 2]);
    const attention = tf.randomUniform([1, 3, 2, 1, 2]);
    const step = (): void =>
      tf.tidy(() => {
        tf.grads((v: tf.Tensor, l: tf.Tensor, a: tf.Tensor) =>
          tf.sum(msDeformAttnCore(v as tf.Tensor4D, [[4, 5]], l, a)),
        )([value, locations, attention]);
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([value, locations, attention]);
  });

  it('names the expected shapes when the locations do not fit the values', () => {
    tf.tidy(() => {
      expect(() =>
        msDeformAttnCore(
          tf.zeros([1, 20, 2, 4]) as tf.Tensor4D,
          [[4, 5]],
          tf.zeros([1, 3, 2, 2, 2, 2]),
          tf.zeros([1, 3, 2, 2, 2]),
        ),
      ).toThrow(/samplingLocations must be \[1, Lq, 2, 1, P, 2\]/);
    });
  });
});

describe('MsDeformAttn module equals the official MSDeformAttn math (same weights)', () => {
  const data = fixture.module;
  const attention = new MsDeformAttn({
    dModel: data.dModel,
    numLevels: data.numLevels,
    numHeads: data.numHeads,
    numPoints: data.numPoints,
    rng: Rng.fromSeed(3),
  });
  assignStoredWeights(attention.variables(), data.weights);

  for (const [points, expected] of [
    ['ref2', data.output2],
    ['ref4', data.output4],
  ] as const) {
    it(`with ${points === 'ref2' ? 'reference points' : 'reference boxes'} and padding, within 1e-4`, () => {
      tf.tidy(() => {
        const out = attention.apply({
          query: toTensor(data.query),
          referencePoints: toTensor(data[points]),
          input: toTensor(data.input),
          spatialShapes: data.spatialShapes,
          paddingMask: tf.cast(toTensor(data.paddingMask), 'bool') as tf.Tensor2D,
        });
        expectClose(out, expected);
      });
    });
  }

  it('default initialisation: offsets on a ring, uniform attention', () => {
    const fresh = new MsDeformAttn({
      dModel: 16,
      numLevels: 2,
      numHeads: 4,
      numPoints: 2,
      rng: Rng.fromSeed(1),
    });
    const bias = fresh.samplingOffsets.bias!.dataSync();
    // layout [head, level, point, xy]: head 0 points along +x at radii 1, 2; head 1 along +y
    expect(Array.from(bias.slice(0, 4))).toEqual([1, 0, 2, 0]);
    expect(bias[8]).toBeCloseTo(0, 6);
    expect(bias[9]).toBeCloseTo(1, 6);
    expect(bias[11]).toBeCloseTo(2, 6);
    expect(Array.from(fresh.attentionWeights.weight.dataSync()).every((v) => v === 0)).toBe(true);
    expect([...fresh.variables().keys()]).toEqual([
      'sampling_offsets.weight',
      'sampling_offsets.bias',
      'attention_weights.weight',
      'attention_weights.bias',
      'value_proj.weight',
      'value_proj.bias',
      'output_proj.weight',
      'output_proj.bias',
    ]);
  });

  it('rejects reference points of the wrong width', () => {
    tf.tidy(() => {
      expect(() =>
        attention.apply({
          query: toTensor(data.query),
          referencePoints: tf.zeros([2, 5, 2, 3]) as tf.Tensor4D,
          input: toTensor(data.input),
          spatialShapes: data.spatialShapes,
        }),
      ).toThrow(/must end in 2 \(points\) or 4 \(boxes\)/);
    });
  });
});

describe('reference points', () => {
  it('encoder reference points equal get_reference_points with valid ratios', () => {
    tf.tidy(() => {
      const { spatialShapes, validRatios: ratios, points } = fixture.encoderReference;
      expectClose(encoderReferencePoints(spatialShapes, toTensor(ratios)), points, 1e-6);
    });
  });

  it('valid ratios count image rows and columns of each level mask', () => {
    tf.tidy(() => {
      const mask = tf.tensor3d([
        [
          [1, 1, 1, 0],
          [1, 1, 1, 0],
          [0, 0, 0, 0],
        ],
      ]);
      expectClose(validRatios([mask]), tf.tensor3d([[[0.75, 2 / 3]]]), 1e-6);
    });
  });
});
