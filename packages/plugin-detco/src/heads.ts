import { SsdetError, type HasVariables, type NamedVariables, type Rng } from '@ssdet/core';
import { MlpHead, collectVariables, globalAvgPool, initWeight } from '@ssdet/nn';
import * as tf from '@tensorflow/tfjs-core';

/** The ResNet stages DetCo supervises, paper notation, and the backbone levels they are. */
export const DETCO_STAGES = ['res2', 'res3', 'res4', 'res5'] as const;
export type DetcoStage = (typeof DETCO_STAGES)[number];
export const DETCO_LEVELS: Readonly<Record<DetcoStage, string>> = {
  res2: 'C2',
  res3: 'C3',
  res4: 'C4',
  res5: 'C5',
};

/** One embedding `[N, D]` per stage (not yet L2-normalised). */
export type StageEmbeddings = Record<DetcoStage, tf.Tensor2D>;

/**
 * One pooled feature matrix per stage, the heads' input: `[N, C]` for the global heads, `[N, P·C]`
 * (the set's patches concatenated) for the local heads.
 */
export type StageFeatures = Record<DetcoStage, tf.Tensor2D>;

export interface DetcoHeadsOptions {
  /** Channels C of res2…res5 (256, 512, 1024, 2048 for ResNet-50). */
  readonly channels: readonly [number, number, number, number];
  /** Patches per local set: grid² (9). */
  readonly patches: number;
  /** D, the embedding size (128). */
  readonly outDim: number;
  /** Hidden width ÷ input width (1: C → C → D and 9C → 9C → D). */
  readonly hiddenScale: number;
  /**
   * The Linear layers' initialisation: `pytorchDefault` (the port: PyTorch's own U(±1/√fan_in)
   * for weights and biases) or `kaimingNormalFanIn` (N(0, 2/fan_in) weights, zero biases:
   * OpenSelfSup's `init_linear='kaiming'`, how its MoCo initialises the neck). Default `pytorchDefault`.
   */
  readonly linearInit?: 'pytorchDefault' | 'kaimingNormalFanIn';
  readonly rng: Rng;
}

/**
 * DetCo's projection heads (paper §3: "multi-level supervision" and "global and local
 * contrastive learning"), one pair per stage res2…res5:
 *
 * - global: average pool of the stage's map → Linear(C, C) → ReLU → Linear(C, D);
 * - local: average pool of each of the set's `patches` maps, concatenated in the set's (shuffled)
 *   order into one 9C vector → Linear(9C, 9C) → ReLU → Linear(9C, D).
 *
 * The widths and layer names follow the port (`MLP(in_dim, out_dim, is_global)`), initialised as
 * there by PyTorch's Linear default. Variables: `global_mlps.{i}.mlp.{0,2}.{weight,bias}` and
 * `local_mlps.{i}.mlp.{0,2}.*`, i = 0 for res2 … 3 for res5 (the port's `state_dict` names).
 */
export class DetcoHeads implements HasVariables {
  readonly patches: number;
  readonly channels: readonly number[];
  private readonly globalMlps: readonly MlpHead[];
  private readonly localMlps: readonly MlpHead[];

  constructor(options: DetcoHeadsOptions) {
    const { channels, patches, outDim, hiddenScale, rng } = options;
    if (
      channels.length !== 4 ||
      channels.some((c) => !Number.isInteger(c) || c < 1) ||
      !Number.isInteger(patches) ||
      patches < 1
    ) {
      throw new SsdetError(
        'DETCO_BAD_OPTION',
        `DetcoHeads needs four positive channel counts and a positive patch count; got channels [${channels.join(', ')}], patches ${patches}.`,
      );
    }
    this.patches = patches;
    this.channels = channels;
    const head = (inDim: number, stream: Rng): MlpHead =>
      new MlpHead({
        inDim,
        hiddenDim: Math.max(1, Math.round(inDim * hiddenScale)),
        outDim,
        batchNorm: false,
        rng: stream,
      });
    this.globalMlps = channels.map((c, i) => head(c, rng.fork(`global_mlps.${i}`)));
    this.localMlps = channels.map((c, i) => head(c * patches, rng.fork(`local_mlps.${i}`)));
    if ((options.linearInit ?? 'pytorchDefault') === 'kaimingNormalFanIn') {
      const draw = rng.fork('kaiming');
      for (const [name, variable] of this.variables()) {
        tf.tidy(() => {
          if (name.endsWith('.bias')) return variable.assign(tf.zerosLike(variable));
          const [fanIn, fanOut] = variable.shape as [number, number]; // Linear weights are [in, out]
          variable.assign(
            initWeight(variable.shape, { fanIn, fanOut }, 'kaimingNormalFanIn', draw),
          );
        });
      }
    }
  }

  /** Each stage's map `[N, h, w, C]` of the global view → its global embedding `[N, D]`. */
  global(maps: Readonly<Record<DetcoStage, tf.Tensor4D>>): StageEmbeddings {
    return tf.tidy(() => this.projectGlobal(this.poolGlobal(maps)));
  }

  /**
   * Each stage's maps `[N·P, h, w, C]` of the local patch sets, image-major (rows
   * `n·P … n·P + P − 1` are image n's patches, in the set's order) → local embedding `[N, D]`.
   */
  local(maps: Readonly<Record<DetcoStage, tf.Tensor4D>>): StageEmbeddings {
    return tf.tidy(() => this.projectLocal(this.poolLocal(maps)));
  }

  /** The global heads' input: each stage's map `[N, h, w, C]` average-pooled to `[N, C]`. */
  poolGlobal(maps: Readonly<Record<DetcoStage, tf.Tensor4D>>): StageFeatures {
    return tf.tidy(() =>
      this.perStage((stage, i) => globalAvgPool(this.checked(maps[stage], i, 'global'))),
    );
  }

  /**
   * The local heads' input: each stage's patch maps `[N·P, h, w, C]` (image-major, as in
   * {@link local}) average-pooled per patch and concatenated per set to `[N, P·C]`.
   */
  poolLocal(maps: Readonly<Record<DetcoStage, tf.Tensor4D>>): StageFeatures {
    return tf.tidy(() =>
      this.perStage((stage, i) => {
        const map = this.checked(maps[stage], i, 'local');
        const sets = map.shape[0] / this.patches;
        if (!Number.isInteger(sets)) {
          throw new SsdetError(
            'DETCO_BAD_INPUT',
            `DetcoHeads.local: ${map.shape[0]} patch maps at ${stage} are not whole sets of ${this.patches}.`,
          );
        }
        // [N·P, C] → [N, P·C]: feature p·C + c is channel c of the set's p-th patch.
        return tf.reshape(globalAvgPool(map), [sets, this.patches * map.shape[3]]) as tf.Tensor2D;
      }),
    );
  }

  /** Pooled global features `[N, C]` per stage → global embeddings `[N, D]`. */
  projectGlobal(features: Readonly<StageFeatures>): StageEmbeddings {
    return tf.tidy(() =>
      this.perStage((stage, i) =>
        this.globalMlps[i]!.forward(this.checkedFeatures(features[stage], i, 1, 'global'), {
          training: true,
        }),
      ),
    );
  }

  /** Concatenated patch features `[N, P·C]` per stage → local embeddings `[N, D]`. */
  projectLocal(features: Readonly<StageFeatures>): StageEmbeddings {
    return tf.tidy(() =>
      this.perStage((stage, i) =>
        this.localMlps[i]!.forward(
          this.checkedFeatures(features[stage], i, this.patches, 'local'),
          { training: true },
        ),
      ),
    );
  }

  variables(): NamedVariables {
    return collectVariables([
      ...this.globalMlps.map((mlp, i) => [`global_mlps.${i}.mlp`, mlp] as const),
      ...this.localMlps.map((mlp, i) => [`local_mlps.${i}.mlp`, mlp] as const),
    ]);
  }

  private perStage(
    embed: (stage: DetcoStage, index: number) => tf.Tensor2D,
  ): Record<DetcoStage, tf.Tensor2D> {
    const out = {} as Record<DetcoStage, tf.Tensor2D>;
    DETCO_STAGES.forEach((stage, i) => {
      out[stage] = embed(stage, i);
    });
    return out;
  }

  private checked(map: tf.Tensor4D | undefined, index: number, kind: string): tf.Tensor4D {
    const channels = this.channels[index]!;
    if (map === undefined || map.rank !== 4 || map.shape[3] !== channels) {
      throw new SsdetError(
        'DETCO_BAD_INPUT',
        `DetcoHeads.${kind} expects ${DETCO_STAGES[index]} maps [N, h, w, ${channels}]; got ${map === undefined ? 'none' : `[${map.shape.join(', ')}]`}.`,
      );
    }
    return map;
  }

  private checkedFeatures(
    features: tf.Tensor2D | undefined,
    index: number,
    patches: number,
    kind: string,
  ): tf.Tensor2D {
    const width = this.channels[index]! * patches;
    if (features === undefined || features.rank !== 2 || features.shape[1] !== width) {
      throw new SsdetError(
        'DETCO_BAD_INPUT',
        `DetcoHeads.${kind} expects ${DETCO_STAGES[index]} features [N, ${width}]; got ${features === undefined ? 'none' : `[${features.shape.join(', ')}]`}.`,
      );
    }
    return features;
  }
}
