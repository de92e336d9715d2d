import type { FeatureLevel } from '../contracts/backbone.js';
import type { Neck } from '../contracts/neck.js';
import type { Rng } from '../random/rng.js';

/** What a method asks a neck factory for. */
export interface NeckRequest {
  /** The levels the neck reads, as the backbone reports them. */
  readonly inLevels: readonly FeatureLevel[];
  /** Output channels of every level. */
  readonly channels: number;
  readonly rng: Rng;
}

/** A named way to build a {@link Neck}; `@ssdet/nn` contributes `fpn`. */
export interface NeckFactory {
  readonly name: string;
  readonly description: string;
  create(request: NeckRequest): Neck;
}
