import { selectBackend } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  NATIVE_SUITE_NOTE,
  expectBackendsAgree,
  expectNativeOverride,
  loadNativePackage,
  nativeBuilt,
  randomTensor,
} from '../test-support/native-test-support.js';

type Pad =
  | 'same'
  | 'valid'
  | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly filter: [number, number, number, number];
  readonly stride: number | [number, number];
  readonly pad: Pad;
  readonly dilation?: number;
}

const CASES: readonly ConvCase[] = [
  { name: '3×3 same stride 1', x: [2, 9, 9, 5], filter: [3, 3, 5, 7], stride: 1, pad: 'same' },
  {
    name: '3×3 same stride 2, odd size',
    x: [3, 11, 7, 4],
    filter: [3, 3, 4, 6],
    stride: 2,
    pad: 'same',
  },
  { name: '3×3 valid stride 2', x: [2, 10, 9, 3], filter: [3, 3, 3, 8], stride: 2, pad: 'valid' },
  {
    name: '1×1 stride 2 (downsample)',
    x: [2, 8, 8, 6],
    filter: [1, 1, 6, 12],
    stride: 2,
    pad: 'valid',
  },
  // oneDNN 2.6 copies a strided 1×1 input to unit stride itself for the filter gradient and, with
  // fewer input channels than its block (16 on AVX-512, 8 on AVX2), writes past its scratchpad:
  // these corrupted the heap (a crash here or later) until the addon did that copy itself.
  {
    name: '1×1 stride 2, 8 input channels (ResNet-18 ×⅛ downsample)',
    x: [2, 64, 64, 8],
    filter: [1, 1, 8, 16],
    stride: 2,
    pad: 'valid',
  },
  {
    name: '1×1 stride 2, 4 input channels',
    x: [2, 64, 64, 4],
    filter: [1, 1, 4, 8],
    stride: 2,
    pad: 'same',
  },
  {
    name: '1×1 strides (2, 3) with explicit padding, odd sizes',
    x: [2, 9, 11, 5],
    filter: [1, 1, 5, 7],
    stride: [2, 3],
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  {
    name: '7×7 stride 2 explicit 3 (stem)',
    x: [2, 16, 15, 3],
    filter: [7, 7, 3, 8],
    stride: 2,
    pad: [
      [0, 0],
      [3, 3],
      [3, 3],
      [0, 0],
    ],
  },
  {
    name: 'asymmetric explicit padding',
    x: [1, 7, 8, 2],
    filter: [3, 2, 2, 3],
    stride: [2, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: 'dilation 2 same',
    x: [2, 9, 9, 3],
    filter: [3, 3, 3, 4],
    stride: 1,
    pad: 'same',
    dilation: 2,
  },
];

describe(`native convolution kernels${NATIVE_SUITE_NOTE}`, () => {
  beforeAll(async () => {
    await selectBackend({ request: 'cpu' });
    if (nativeBuilt) await loadNativePackage();
  });

  it.skipIf(!nativeBuilt)('overrides Conv2D, FusedConv2D and both gradients', () => {
    for (const name of ['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']) {
      expectNativeOverride(name);
    }
  });

  for (const c of CASES) {
    it.skipIf(!nativeBuilt)(`Conv2D forward matches cpu: ${c.name}`, () => {
      expectBackendsAgree(
        () =>
          tf.conv2d(
            randomTensor(c.x, 1) as tf.Tensor4D,
            randomTensor(c.filter, 2) as tf.Tensor4D,
            c.stride,
            c.pad,
            'NHWC',
            c.dilation ?? 1,
          ),
        ['conv2d'],
      );
    });

    if ((c.dilation ?? 1) === 1) {
      it.skipIf(!nativeBuilt)(`gradients through tf.grads match cpu: ${c.name}`, () => {
        expectBackendsAgree(() => {
          const x = randomTensor(c.x, 3) as tf.Tensor4D;
          const w = randomTensor(c.filter, 4) as tf.Tensor4D;
          const f = (xs: tf.Tensor, ws: tf.Tensor) =>
            tf.sum(
              tf.mul(
                tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad),
                tf.sin(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad)),
              ),
            );
          return tf.grads(f)([x, w]);
        }, ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter']);
      });
    }
  }

  it.skipIf(!nativeBuilt)('FusedConv2D with bias and each native activation matches cpu', () => {
    for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const) {
      expectBackendsAgree(
        () =>
          tf.fused.conv2d({
            x: randomTensor([2, 7, 7, 4], 5) as tf.Tensor4D,
            filter: randomTensor([3, 3, 4, 5], 6) as tf.Tensor4D,
            strides: 2,
            pad: 'same',
            bias: randomTensor([5], 7),
            activation,
            leakyreluAlpha: 0.3,
          }),
        ['conv2d'],
      );
    }
  });

  it.skipIf(!nativeBuilt)('FusedConv2D falls back to cpu for PReLU and a full-shape bias', () => {
    expectBackendsAgree(() =>
      tf.fused.conv2d({
        x: randomTensor([1, 5, 5, 3], 8) as tf.Tensor4D,
        filter: randomTensor([3, 3, 3, 4], 9) as tf.Tensor4D,
        strides: 1,
        pad: 'valid',
        bias: randomTensor([1, 3, 3, 4], 10),
        activation: 'prelu',
        preluActivationWeights: randomTensor([4], 11),
      }),
    );
  });
});
