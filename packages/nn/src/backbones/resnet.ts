import {
  SsdetError,
  type Backbone,
  type FeatureLevel,
  type FeatureMaps,
  type ForwardOptions,
  type HasVariables,
  type NamedVariables,
  type Rng,
  withoutGradients,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2d } from '../layers/conv2d.js';
import { convThenNorm } from '../layers/conv-then-norm.js';
import { maxPool2d } from '../layers/max-pool-2d.js';
import { collectVariables, setTrainable, trainableVariables } from '../layers/named-variables.js';
import { createNorm2d, type Norm2d, type NormLayerKind } from '../layers/norm-2d.js';
import {
  BasicBlock,
  Bottleneck,
  type ResNetConvInit,
  type ResidualBlock,
} from './residual-block.js';

export type ResNetDepth = 18 | 34 | 50;

export interface ResNetOptions {
  readonly depth: ResNetDepth;
  /** `batch` (default): BatchNorm2d, trained; `frozen`: FrozenBatchNorm2d everywhere (detectron2). */
  readonly normLayer?: NormLayerKind;
  /**
   * mmdetection's `frozen_stages`: −1 (default) freezes nothing, 0 the stem (`conv1`, `bn1`),
   * k ∈ 1…4 the stem and `layer1`…`layerk`. Frozen parts have `trainable = false` and always run
   * in evaluation mode (running statistics, no updates). detectron2's `FREEZE_AT` = k + 1.
   */
  readonly frozenStages?: number;
  /**
   * Scales every channel count (stem 64, stage widths 64/128/256/512) and rounds, at least 1:
   * 0.125 gives an 8-channel stem for tiny test models. Default 1 (torchvision's sizes).
   */
  readonly widthMultiplier?: number;
  /**
   * How every convolution's weights are drawn: `kaimingNormalFanOut` (default) — N(0, 2/fan_out),
   * torchvision's `kaiming_normal_(mode='fan_out')` — or `kaimingNormalFanIn` — N(0, 2/fan_in),
   * mmcv's `kaiming_init(mode='fan_in')` in OpenSelfSup's ResNet (DenseCL). Norms start at γ = 1,
   * β = 0 either way.
   */
  readonly convInit?: ResNetConvInit;
  /**
   * Zero the scale γ of every block's last norm (`bn3` of a bottleneck, `bn2` of a basic block):
   * torchvision's and mmcv's `zero_init_residual`, SoCo's "zero gamma" (Goyal et al., "Accurate,
   * Large Minibatch SGD", 2017). Default false. Needs trainable norms (`batch` or `group`).
   */
  readonly zeroInitResidual?: boolean;
  readonly rng: Rng;
}

const CONV_INITS: readonly ResNetConvInit[] = ['kaimingNormalFanOut', 'kaimingNormalFanIn'];

const BLOCKS: Record<ResNetDepth, readonly [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
};

const STAGE_PLANES = [64, 128, 256, 512] as const;

class ResNetStage implements HasVariables {
  readonly blocks: readonly ResidualBlock[];

  constructor(blocks: readonly ResidualBlock[]) {
    this.blocks = blocks;
  }

  forward(x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
    return tf.tidy(() => this.blocks.reduce((y, block) => block.forward(y, options), x));
  }

  variables(): NamedVariables {
    return collectVariables(this.blocks.map((block, i) => [String(i), block] as const));
  }
}

/**
 * ResNet-18/34/50 as in torchvision (He et al., "Deep Residual Learning for Image Recognition",
 * CVPR 2016; torchvision's v1.5 bottleneck with the stride on the 3×3), without the classifier
 * (`avgpool`, `fc`). Input `[B, H, W, 3]` normalised images; output `C2`…`C5`, the outputs of
 * `layer1`…`layer4` at strides 4, 8, 16, 32.
 *
 * Variables carry torchvision's `state_dict` names (`conv1.weight`, `bn1.running_mean`,
 * `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `layer2.0.downsample.1.bias`, …), in
 * ssdet's layout (HWIO kernels).
 */
export class ResNet implements Backbone {
  readonly name: string;
  readonly depth: ResNetDepth;
  readonly levels: readonly FeatureLevel[];
  readonly frozenStages: number;
  private readonly conv1: Conv2d;
  private readonly bn1: Norm2d;
  private readonly stages: readonly ResNetStage[];

  constructor(options: ResNetOptions) {
    const { depth, rng } = options;
    if (!(depth in BLOCKS)) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `ResNet option "depth" must be 18, 34 or 50; got ${String(depth)}.`,
      );
    }
    const frozenStages = options.frozenStages ?? -1;
    if (!Number.isInteger(frozenStages) || frozenStages < -1 || frozenStages > 4) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `ResNet option "frozenStages" must be an integer from -1 (nothing frozen) to 4; got ${frozenStages}.`,
      );
    }
    const width = options.widthMultiplier ?? 1;
    if (!(width > 0) || !Number.isFinite(width)) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `ResNet option "widthMultiplier" must be a positive number; got ${width}.`,
      );
    }
    const scaled = (channels: number): number => Math.max(1, Math.round(channels * width));
    const norm = options.normLayer ?? 'batch';
    const convInit = options.convInit ?? 'kaimingNormalFanOut';
    if (!CONV_INITS.includes(convInit)) {
      throw new SsdetError(
        'NN_BAD_OPTION',
        `ResNet option "convInit" must be ${CONV_INITS.map((init) => `"${init}"`).join(' or ')}; got "${String(convInit)}".`,
      );
    }
    const zeroInitResidual = options.zeroInitResidual ?? false;
    if (zeroInitResidual && norm === 'frozen') {
      throw new SsdetError(
        'NN_BAD_OPTION',
        'ResNet option "zeroInitResidual" needs trainable norms ("batch" or "group"): with "frozen" the zeroed scales would switch every residual branch off for good.',
      );
    }
    const Block = depth === 50 ? Bottleneck : BasicBlock;

    this.name = `resnet${depth}`;
    this.depth = depth;
    this.frozenStages = frozenStages;
    const stemChannels = scaled(64);
    this.conv1 = new Conv2d({
      inChannels: 3,
      outChannels: stemChannels,
      kernelSize: 7,
      stride: 2,
      padding: 3,
      bias: false,
      init: convInit,
      rng: rng.fork('conv1'),
    });
    this.bn1 = createNorm2d(norm, stemChannels);

    let inChannels = stemChannels;
    const stages: ResNetStage[] = [];
    const levels: FeatureLevel[] = [];
    BLOCKS[depth].forEach((count, s) => {
      const planes = scaled(STAGE_PLANES[s]!);
      const blocks: ResidualBlock[] = [];
      for (let b = 0; b < count; b++) {
        const block = new Block({
          inChannels,
          planes,
          stride: b === 0 && s > 0 ? 2 : 1,
          norm,
          convInit,
          zeroInitResidual,
          rng: rng.fork(`layer${s + 1}.${b}`),
        });
        inChannels = block.outChannels;
        blocks.push(block);
      }
      stages.push(new ResNetStage(blocks));
      levels.push({ name: `C${s + 2}`, channels: inChannels, stride: 2 ** (s + 2) });
    });
    this.stages = stages;
    this.levels = levels;

    if (frozenStages >= 0) {
      setTrainable(this.bn1.variables(), false);
      setTrainable(this.conv1.variables(), false);
    }
    for (let s = 0; s < frozenStages; s++) setTrainable(stages[s]!.variables(), false);
  }

  forward(images: tf.Tensor4D, options: ForwardOptions): FeatureMaps {
    if (images.rank !== 4 || images.shape[3] !== 3) {
      throw new SsdetError(
        'NN_BAD_INPUT',
        `${this.name} expects NHWC images [B, H, W, 3]; got shape [${images.shape.join(', ')}].`,
      );
    }
    const evalMode: ForwardOptions = { training: false };
    return tf.tidy(() => {
      const maps: Record<string, tf.Tensor4D> = {};
      const stem = (): tf.Tensor4D => {
        const stemOptions = this.frozenStages >= 0 ? evalMode : options;
        return maxPool2d(convThenNorm(this.conv1, this.bn1, images, stemOptions, 'relu'), 3, 2, 1);
      };
      const stage = (s: number, input: tf.Tensor4D): tf.Tensor4D => {
        const output = this.stages[s]!.forward(input, s < this.frozenStages ? evalMode : options);
        maps[this.levels[s]!.name] = output;
        return output;
      };
      // The frozen stem and stages neither train nor pass a gradient on (their input is the
      // image): they run without recording one, as under torch.no_grad().
      let x = this.frozenStages >= 0 ? withoutGradients(stem) : stem();
      for (let s = 0; s < this.stages.length; s++) {
        const input = x;
        x = s < this.frozenStages ? withoutGradients(() => stage(s, input)) : stage(s, input);
      }
      return maps;
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['conv1', this.conv1],
      ['bn1', this.bn1],
      ...this.stages.map((stage, s) => [`layer${s + 1}`, stage] as const),
    ]);
  }

  /** The variables an optimizer updates: everything but buffers and frozen stages. */
  trainableVariables(): NamedVariables {
    return trainableVariables(this.variables());
  }
}
