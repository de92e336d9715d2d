import type { ForwardOptions, HasVariables, NamedVariables, Rng } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers/conv2d.js';
import { convThenNorm } from '../layers/conv-then-norm.js';
import { collectVariables } from '../layers/named-variables.js';
import type { WeightInit } from '../layers/initializers.js';
import { createNorm2d, type Norm2d, type NormLayerKind } from '../layers/norm-2d.js';

/** How a ResNet's convolution weights are drawn (see {@link ResidualBlockOptions.convInit}). */
export type ResNetConvInit = Extract<WeightInit, 'kaimingNormalFanOut' | 'kaimingNormalFanIn'>;

export interface ResidualBlockOptions {
  readonly inChannels: number;
  /** torchvision's `planes`: the block's inner width; it outputs `planes · expansion` channels. */
  readonly planes: number;
  readonly stride: number;
  readonly norm: NormLayerKind;
  /**
   * Every convolution's weights (shortcut included): `kaimingNormalFanOut` (default,
   * torchvision's) or `kaimingNormalFanIn` (OpenSelfSup's, as DenseCL initialises).
   */
  readonly convInit?: ResNetConvInit;
  /**
   * Start the block's last norm with scale γ = 0 (torchvision's `zero_init_residual`), so that
   * the block is the identity at initialisation. Default false.
   */
  readonly zeroInitResidual?: boolean;
  readonly rng: Rng;
}

/** A residual block of a ResNet stage: {@link BasicBlock} or {@link Bottleneck}. */
export interface ResidualBlock extends HasVariables {
  readonly outChannels: number;
  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D;
}

/** torchvision's `downsample`: a strided 1×1 convolution and a norm on the shortcut. */
class Downsample implements HasVariables {
  private readonly conv: Conv2d;
  private readonly norm: Norm2d;

  constructor(options: {
    inChannels: number;
    outChannels: number;
    stride: number;
    norm: NormLayerKind;
    init: ResNetConvInit;
    rng: Rng;
  }) {
    this.conv = new Conv2d({
      inChannels: options.inChannels,
      outChannels: options.outChannels,
      kernelSize: 1,
      stride: options.stride,
      bias: false,
      init: options.init,
      rng: options.rng.fork('0'),
    });
    this.norm = createNorm2d(options.norm, options.outChannels);
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return convThenNorm(this.conv, this.norm, x, options, 'linear');
  }

  variables(): NamedVariables {
    return collectVariables([
      ['0', this.conv],
      ['1', this.norm],
    ]);
  }
}

function conv(
  options: ResidualBlockOptions,
  inChannels: number,
  outChannels: number,
  kernelSize: 1 | 3,
  stride: number,
  name: string,
): Conv2d {
  return new Conv2d({
    inChannels,
    outChannels,
    kernelSize,
    stride,
    padding: kernelSize === 3 ? 1 : 0,
    bias: false,
    init: options.convInit ?? 'kaimingNormalFanOut',
    rng: options.rng.fork(name),
  });
}

function shortcut(options: ResidualBlockOptions, outChannels: number): Downsample | undefined {
  return options.stride !== 1 || options.inChannels !== outChannels
    ? new Downsample({
        inChannels: options.inChannels,
        outChannels,
        stride: options.stride,
        norm: options.norm,
        init: options.convInit ?? 'kaimingNormalFanOut',
        rng: options.rng.fork('downsample'),
      })
    : undefined;
}

/** The block's last norm: γ = 0 under `zeroInitResidual`, so that the residual branch starts at 0. */
function lastNorm(options: ResidualBlockOptions, channels: number): Norm2d {
  const norm = createNorm2d(options.norm, channels);
  const scale = norm.variables().get('weight');
  if (options.zeroInitResidual === true && scale !== undefined) {
    tf.tidy(() => scale.assign(tf.zerosLike(scale)));
  }
  return norm;
}

/**
 * ResNet-18/34's block (He et al., "Deep Residual Learning", CVPR 2016; torchvision's
 * `BasicBlock`): `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, both convolutions 3×3,
 * the stride on `conv1`; `zeroInitResidual` zeroes `bn2`'s scale.
 */
export class BasicBlock implements ResidualBlock {
  static readonly expansion = 1;
  readonly outChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: Norm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: Norm2d;
  private readonly downsample: Downsample | undefined;

  constructor(options: ResidualBlockOptions) {
    const { inChannels, planes, stride, norm } = options;
    this.outChannels = planes * BasicBlock.expansion;
    this.conv1 = conv(options, inChannels, planes, 3, stride, 'conv1');
    this.bn1 = createNorm2d(norm, planes);
    this.conv2 = conv(options, planes, planes, 3, 1, 'conv2');
    this.bn2 = lastNorm(options, planes);
    this.downsample = shortcut(options, this.outChannels);
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      const y = convThenNorm(this.conv1, this.bn1, x, options, 'relu');
      const z = convThenNorm(this.conv2, this.bn2, y, options, 'linear');
      const identity = this.downsample === undefined ? x : this.downsample.forward(x, options);
      return tf.relu(tf.add<tf.Tensor4D>(z, identity));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['conv1', this.conv1],
      ['bn1', this.bn1],
      ['conv2', this.conv2],
      ['bn2', this.bn2],
      ...(this.downsample === undefined ? [] : [['downsample', this.downsample] as const]),
    ]);
  }
}

/**
 * ResNet-50's block, torchvision's `Bottleneck` ("ResNet v1.5": the stride sits on the 3×3
 * `conv2`, not on the first 1×1 as in the original paper and Caffe's ResNet):
 * `relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x))`, 1×1 → 3×3 → 1×1,
 * output `planes · 4` channels; `zeroInitResidual` zeroes `bn3`'s scale.
 */
export class Bottleneck implements ResidualBlock {
  static readonly expansion = 4;
  readonly outChannels: number;
  private readonly conv1: Conv2d;
  private readonly bn1: Norm2d;
  private readonly conv2: Conv2d;
  private readonly bn2: Norm2d;
  private readonly conv3: Conv2d;
  private readonly bn3: Norm2d;
  private readonly downsample: Downsample | undefined;

  constructor(options: ResidualBlockOptions) {
    const { inChannels, planes, stride, norm } = options;
    this.outChannels = planes * Bottleneck.expansion;
    this.conv1 = conv(options, inChannels, planes, 1, 1, 'conv1');
    this.bn1 = createNorm2d(norm, planes);
    this.conv2 = conv(options, planes, planes, 3, stride, 'conv2');
    this.bn2 = createNorm2d(norm, planes);
    this.conv3 = conv(options, planes, this.outChannels, 1, 1, 'conv3');
    this.bn3 = lastNorm(options, this.outChannels);
    this.downsample = shortcut(options, this.outChannels);
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => {
      const a = convThenNorm(this.conv1, this.bn1, x, options, 'relu');
      const b = convThenNorm(this.conv2, this.bn2, a, options, 'relu');
      const c = convThenNorm(this.conv3, this.bn3, b, options, 'linear');
      const identity = this.downsample === undefined ? x : this.downsample.forward(x, options);
      return tf.relu(tf.add<tf.Tensor4D>(c, identity));
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['conv1', this.conv1],
      ['bn1', this.bn1],
      ['conv2', this.conv2],
      ['bn2', this.bn2],
      ['conv3', this.conv3],
      ['bn3', this.bn3],
      ...(this.downsample === undefined ? [] : [['downsample', this.downsample] as const]),
    ]);
  }
}
