import type { Backbone } from '../contracts/backbone.js';
import type { Rng } from '../random/rng.js';

/** A backbone's normalisation layers (see {@link BackboneRequest.norm}). */
export type BackboneNorm = 'batch' | 'frozen' | 'group';

/**
 * How a backbone's weights are first drawn, before any checkpoint is loaded: part of a method's
 * recipe (each official code base initialises its ResNet its own way). Absent fields: the
 * factory's default (for `@ssdet/nn`'s ResNets, torchvision's: fan-out convolutions, no zeroed
 * scales).
 */
export interface BackboneInit {
  /**
   * Convolution weights: `kaimingNormalFanOut` — N(0, 2/fan_out), torchvision's ResNet
   * (`kaiming_normal_(mode='fan_out', nonlinearity='relu')`, SoCo's ResNet too) — or
   * `kaimingNormalFanIn` — N(0, 2/fan_in), mmcv's `kaiming_init(m, mode='fan_in')` as
   * OpenSelfSup's ResNet (DenseCL) calls it.
   */
  readonly conv?: 'kaimingNormalFanOut' | 'kaimingNormalFanIn';
  /**
   * Zero the scale γ of each residual block's last normalisation (a bottleneck's `bn3`, a basic
   * block's `bn2`), so that every block starts as the identity: torchvision's and mmcv's
   * `zero_init_residual` (Goyal et al., "Accurate, Large Minibatch SGD", 2017). Default false.
   */
  readonly zeroInitResidual?: boolean;
}

/** What a method asks a backbone factory for: the config's `backbone` section and a stream. */
export interface BackboneRequest {
  /** The registered name, e.g. `resnet50` (`--backbone resnet50`). */
  readonly arch: string;
  /** Channel scale (1 = the published network); factories that have no width scaling ignore it. */
  readonly widthMultiplier: number;
  /** The initialisation stream; two requests with forks of one stream give two networks. */
  readonly rng: Rng;
  /** Normalisation frozen to its statistics (DETR's and detectron2's FrozenBatchNorm2d). */
  readonly frozenNorm?: boolean;
  /**
   * The normalisation layers: `batch` (BatchNorm, batch statistics in training), `frozen` (as
   * `frozenNorm`) or `group` (GroupNorm). Absent: the factory's default, or `frozen` with
   * `frozenNorm`. A factory that cannot build the asked kind throws.
   */
  readonly norm?: BackboneNorm;
  /**
   * Stages whose parameters are not trained (mmdetection's `frozen_stages`): −1 none (default),
   * 0 the stem, k the stem and the first k stages.
   */
  readonly frozenStages?: number;
  /** How the weights are first drawn (the method's `init` section); absent: the factory's default. */
  readonly init?: BackboneInit;
}

/**
 * A named way to build a {@link Backbone}. A factory that cannot honour `frozenNorm`,
 * `frozenStages` or `init` throws rather than ignore them. `@ssdet/nn` contributes `resnet18/34/50`; any plugin
 * package may contribute more (see docs/writing-a-plugin.md, "Adding a backbone").
 */
export interface BackboneFactory {
  readonly name: string;
  /** One line for `ssdet plugins`. */
  readonly description: string;
  create(request: BackboneRequest): Backbone;
}
