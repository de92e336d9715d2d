import type { Backbone } from '../contracts/backbone.js';
import type { Rng } from '../random/rng.js';

/** A backbone's normalisation layers (see {@link BackboneRequest.norm}). */
export type BackboneNorm = 'batch' | 'frozen' | 'group';

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
}

/**
 * A named way to build a {@link Backbone}. A factory that cannot honour `frozenNorm` or
 * `frozenStages` throws rather than ignore them. `@ssdet/nn` contributes `resnet18/34/50`; any plugin
 * package may contribute more (see docs/writing-a-plugin.md, "Adding a backbone").
 */
export interface BackboneFactory {
  readonly name: string;
  /** One line for `ssdet plugins`. */
  readonly description: string;
  create(request: BackboneRequest): Backbone;
}
