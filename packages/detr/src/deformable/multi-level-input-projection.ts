import * as tf from '@tensorflow/tfjs-core';
import type { HasVariables, NamedVariables, Rng } from '@ssdet/core';
import { SsdetError } from '@ssdet/core';
import { GroupNorm, collectVariables, initWeight, variableFrom } from '@ssdet/nn';

export interface MultiLevelInputProjectionOptions {
  /** Channels of each backbone map, finest first (ResNet-50 C3–C5: 512, 1024, 2048). */
  readonly backboneChannels: readonly number[];
  readonly dModel: number;
  /** Levels out (default 4); those beyond the backbone's are made by stride-2 convolutions. */
  readonly numLevels?: number;
  /** GroupNorm groups, 32 as official. */
  readonly groups?: number;
  readonly rng: Rng;
}

/** One `nn.Sequential(Conv2d, GroupNorm(32, d))` of the official `input_proj`. */
class ProjectionLevel implements HasVariables {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly norm: GroupNorm;

  constructor(
    inChannels: number,
    dModel: number,
    readonly kernelSize: 1 | 3,
    groups: number,
    rng: Rng,
  ) {
    const taps = kernelSize * kernelSize;
    // xavier_uniform_ on a conv weight: fan_in = in·k², fan_out = out·k².
    this.weight = variableFrom(() =>
      initWeight(
        [kernelSize, kernelSize, inChannels, dModel],
        { fanIn: inChannels * taps, fanOut: dModel * taps },
        'xavierUniform',
        rng,
      ),
    );
    this.bias = variableFrom(() => tf.zeros([dModel]));
    this.norm = new GroupNorm(groups, dModel);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const conv =
        this.kernelSize === 1
          ? tf.conv2d(x, this.weight as tf.Tensor4D, 1, 'valid')
          : tf.conv2d(x, this.weight as tf.Tensor4D, 2, [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]);
      return this.norm.forward(tf.add(conv, this.bias) as tf.Tensor4D);
    });
  }

  variables(): NamedVariables {
    return collectVariables([
      ['0.weight', this.weight],
      ['0.bias', this.bias],
      ['1', this.norm],
    ]);
  }
}

/**
 * Deformable DETR's multi-scale `input_proj` (models/deformable_detr.py): each backbone map goes
 * through Conv1×1 → GroupNorm(32, d); each further level is Conv3×3/stride 2/pad 1 → GroupNorm,
 * the first from the last *raw* backbone map, the next from the level before it. Conv weights are
 * Xavier-uniform and biases zero, as official. With one backbone map and one level this is the
 * single-scale projection. Variables `{i}.0.weight` (HWIO; torch OIHW), `{i}.0.bias`,
 * `{i}.1.weight`, `{i}.1.bias` — the official `input_proj.*` names without the prefix.
 */
export class MultiLevelInputProjection implements HasVariables {
  readonly levels: readonly ProjectionLevel[];
  readonly backboneChannels: readonly number[];

  constructor(options: MultiLevelInputProjectionOptions) {
    const { backboneChannels, dModel, rng } = options;
    const numLevels = options.numLevels ?? 4;
    const groups = options.groups ?? 32;
    if (backboneChannels.length === 0 || backboneChannels.length > numLevels) {
      throw new SsdetError(
        'DETR_LEVELS',
        `MultiLevelInputProjection: needs 1 to numLevels (${numLevels}) backbone maps; got ${backboneChannels.length}.`,
      );
    }
    this.backboneChannels = [...backboneChannels];
    const levels = backboneChannels.map(
      (channels) => new ProjectionLevel(channels, dModel, 1, groups, rng),
    );
    let inChannels = backboneChannels.at(-1)!;
    while (levels.length < numLevels) {
      levels.push(new ProjectionLevel(inChannels, dModel, 3, groups, rng));
      inChannels = dModel;
    }
    this.levels = levels;
  }

  /** Backbone maps `[B, H_l, W_l, C_l]`, finest first → `numLevels` maps `[B, h, w, d]`. */
  apply(features: readonly tf.Tensor4D[]): tf.Tensor4D[] {
    if (
      features.length !== this.backboneChannels.length ||
      features.some((f, l) => f.shape[3] !== this.backboneChannels[l])
    ) {
      throw new SsdetError(
        'DETR_BAD_INPUT',
        `MultiLevelInputProjection: expects ${this.backboneChannels.length} maps with channels [${this.backboneChannels.join(', ')}]; got [${features.map((f) => f.shape[3]).join(', ')}].`,
      );
    }
    return tf.tidy(() => {
      const out = features.map((f, l) => this.levels[l]!.apply(f));
      for (let l = features.length; l < this.levels.length; l++) {
        out.push(this.levels[l]!.apply(l === features.length ? features.at(-1)! : out.at(-1)!));
      }
      return out;
    });
  }

  variables(): NamedVariables {
    return collectVariables(this.levels.map((level, i) => [String(i), level] as const));
  }
}
