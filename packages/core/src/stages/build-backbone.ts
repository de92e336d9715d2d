import type { DependencyContainer } from 'tsyringe';
import type { Backbone } from '../contracts/backbone.js';
import { resolveToken } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import { SsdetError } from '../errors/ssdet-error.js';
import type { Rng } from '../random/rng.js';
import type { BackboneConfig } from './stage-config.js';
import type { BackboneInit, BackboneNorm } from './backbone-factory.js';

/** What a method needs of its backbone. */
export interface BackboneNeeds {
  /** The method's name, for messages. */
  readonly method: string;
  /** Feature levels it reads (`C5`; SoCo `C2`…`C5`). */
  readonly levels: readonly string[];
  /** Normalisation frozen to its statistics (FrozenBatchNorm2d). */
  readonly frozenNorm?: boolean;
  /** `batch`, `frozen` or `group` normalisation layers (fine-tuning's choice). */
  readonly norm?: BackboneNorm;
  /** Stages not trained: −1 none, 0 the stem, k the stem and the first k stages. */
  readonly frozenStages?: number;
  /** How the backbone's weights are first drawn (the method's recipe); absent: the factory's default. */
  readonly init?: BackboneInit;
}

/**
 * Builds the backbone `config.arch` from the run's registered stages, and refuses one that lacks
 * a level the method reads, naming the levels it has.
 */
export function buildBackbone(
  container: DependencyContainer,
  config: BackboneConfig,
  rng: Rng,
  needs: BackboneNeeds,
): Backbone {
  const factory = resolveToken(container, STAGES).backbones.get(
    config.arch,
    `${needs.method}: backbone.arch`,
  );
  const backbone = factory.create({
    arch: config.arch,
    widthMultiplier: config.widthMultiplier,
    rng,
    ...(needs.frozenNorm === undefined ? {} : { frozenNorm: needs.frozenNorm }),
    ...(needs.norm === undefined ? {} : { norm: needs.norm }),
    ...(needs.frozenStages === undefined ? {} : { frozenStages: needs.frozenStages }),
    ...(needs.init === undefined ? {} : { init: needs.init }),
  });
  const have = backbone.levels.map((level) => level.name);
  const missing = needs.levels.filter((level) => !have.includes(level));
  if (missing.length > 0) {
    throw new SsdetError(
      'STAGE_UNSUITABLE',
      `${needs.method} reads backbone levels ${needs.levels.join(', ')}, but backbone "${config.arch}" has ${have.length === 0 ? 'none' : have.join(', ')} (missing ${missing.join(', ')}).`,
      { hint: 'Choose a backbone with those levels (--backbone); `ssdet plugins` lists them.' },
    );
  }
  return backbone;
}
