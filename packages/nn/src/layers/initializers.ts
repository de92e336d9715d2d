import type { Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a weight is initialised, named after the PyTorch call it reproduces in distribution:
 * - `pytorchDefault`: `nn.Conv2d`/`nn.Linear`'s own `kaiming_uniform_(a=√5)`, i.e. U(±1/√fan_in);
 * - `kaimingNormalFanOut`: torchvision ResNet's `kaiming_normal_(mode='fan_out', nonlinearity='relu')`,
 *   i.e. N(0, 2/fan_out) — also mmcv's `kaiming_init` with its defaults (`ConvModule`'s own init)
 *   and detectron2's `c2_msra_fill`;
 * - `kaimingNormalFanIn`: `kaiming_normal_(mode='fan_in', nonlinearity='relu')`, i.e.
 *   N(0, 2/fan_in): mmcv's `kaiming_init(m, mode='fan_in')`, which OpenSelfSup (DenseCL) applies
 *   to its ResNet's convolutions and its necks' Linear layers;
 * - `kaimingUniformA1`: detectron2's `c2_xavier_fill` and torchvision FPN's `kaiming_uniform_(a=1)`,
 *   i.e. U(±√3/√fan_in);
 * - `normal001`: N(0, 0.01²), common for the last layer of heads;
 * - `standardNormal`: N(0, 1), `nn.Embedding`'s default and a bare `normal_()`;
 * - `xavierUniform`: `xavier_uniform_`, U(±√(6/(fan_in + fan_out))), what DETR's
 *   `_reset_parameters` applies to every weight matrix of its transformer;
 * - `zeros`: all zero (draws nothing).
 */
export type WeightInit =
  | 'pytorchDefault'
  | 'kaimingNormalFanOut'
  | 'kaimingNormalFanIn'
  | 'kaimingUniformA1'
  | 'normal001'
  | 'standardNormal'
  | 'xavierUniform'
  | 'zeros';

/**
 * Fills a new float32 tensor of `shape` from `rng` by `init`, drawing its elements in row-major
 * order from `rng` itself (pass a fork to leave `rng` where it is).
 */
export function initWeight(
  shape: readonly number[],
  fans: { readonly fanIn: number; readonly fanOut: number },
  init: WeightInit,
  rng: Rng,
): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  switch (init) {
    case 'pytorchDefault':
      fillUniform(values, 1 / Math.sqrt(fans.fanIn), rng);
      break;
    case 'kaimingUniformA1':
      fillUniform(values, Math.sqrt(3 / fans.fanIn), rng);
      break;
    case 'kaimingNormalFanOut':
      fillNormal(values, Math.sqrt(2 / fans.fanOut), rng);
      break;
    case 'kaimingNormalFanIn':
      fillNormal(values, Math.sqrt(2 / fans.fanIn), rng);
      break;
    case 'normal001':
      fillNormal(values, 0.01, rng);
      break;
    case 'standardNormal':
      fillNormal(values, 1, rng);
      break;
    case 'xavierUniform':
      fillUniform(values, Math.sqrt(6 / (fans.fanIn + fans.fanOut)), rng);
      break;
    case 'zeros':
      break;
  }
  return tf.tensor(values, [...shape], 'float32');
}

/** PyTorch's default bias for `nn.Conv2d`/`nn.Linear`: U(±1/√fan_in). */
export function initDefaultBias(size: number, fanIn: number, rng: Rng): tf.Tensor1D {
  const values = new Float32Array(size);
  fillUniform(values, 1 / Math.sqrt(fanIn), rng);
  return tf.tensor1d(values, 'float32');
}

function fillUniform(values: Float32Array, bound: number, rng: Rng): void {
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-bound, bound);
}

function fillNormal(values: Float32Array, std: number, rng: Rng): void {
  for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, std);
}
