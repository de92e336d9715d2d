import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../contracts/backbone.js';
import { createRootContainer, createRunContainer } from '../di/containers.js';
import { provideValue } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import { isSsdetError } from '../errors/ssdet-error.js';
import { Rng } from '../random/rng.js';
import { selectBackend } from '../tensor/select-backend.js';
import type { BackboneFactory, BackboneRequest } from './backbone-factory.js';
import { buildBackbone } from './build-backbone.js';
import { buildRegionSource } from './build-region-source.js';
import { buildViews } from './build-views.js';
import type { RegionSourceFactory } from './region-source-factory.js';
import type { ViewRecipeFactory } from './view-recipe-factory.js';
import { StageRegistries } from './stage-registries.js';
import { StageRegistry } from './stage-registry.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** A backbone factory whose networks have `levels` and remember the request they were built from. */
function fakeBackbones(name: string, levels: string[], requests: BackboneRequest[] = []) {
  const factory: BackboneFactory = {
    name,
    description: `fake ${name}`,
    create: (request) => {
      requests.push(request);
      const backbone: Backbone = {
        name,
        levels: levels.map((level, i) => ({ name: level, channels: 4, stride: 4 * 2 ** i })),
        forward: () => ({}),
        variables: () => new Map([['w', tf.variable(tf.zeros([1]))]]),
      };
      return backbone;
    },
  };
  return factory;
}

const gridSource: RegionSourceFactory = {
  name: 'grid',
  description: 'a fake region source',
  create: (parameters) => ({
    algorithm: 'grid',
    parameters,
    propose: () => Promise.resolve({ boxes: new Float32Array(0) }),
  }),
};

/** A recipe whose generator only names its views. */
const pairRecipe: ViewRecipeFactory = {
  name: 'pair',
  description: 'two views',
  create: ({ viewNames }) => ({
    viewNames,
    needsRegions: false,
    generate: () => [],
  }),
};

describe('StageRegistry', () => {
  it('builds a registered name, refuses a second factory under it, names what exists when unknown', () => {
    const registry = new StageRegistry<BackboneFactory>('backbone');
    const tiny = fakeBackbones('tiny', ['C5']);
    registry.add(tiny, 'pkg-a');
    registry.add(tiny, 'pkg-a (again)'); // the same factory reached twice: no-op
    registry.add(fakeBackbones('wide', ['C5']), 'pkg-a');
    expect(registry.names()).toEqual(['tiny', 'wide']);
    expect(registry.get('tiny', 'test')).toBe(tiny);
    expect(() => registry.add(fakeBackbones('tiny', ['C5']), 'pkg-b')).toThrow(
      /The backbone name "tiny" is claimed by pkg-b and by pkg-a \(registered first\)/,
    );
    expect(() => registry.get('huge', 'densecl: backbone.arch')).toThrow(
      /densecl: backbone\.arch: no backbone named "huge" is registered; available: tiny, wide\./,
    );
  });
});

describe('StageRegistries', () => {
  it('adds a contribution whole or not at all', () => {
    const stages = new StageRegistries();
    expect(stages.backbones.names()).toEqual([]);
    stages.addAll({ backbones: [fakeBackbones('tiny', ['C5'])] }, 'pkg-a');
    let caught: unknown;
    try {
      stages.addAll(
        { regionSources: [gridSource], backbones: [fakeBackbones('tiny', ['C5'])] },
        'pkg-b',
      );
    } catch (error) {
      caught = error;
    }
    expect(isSsdetError(caught) && caught.code).toBe('STAGE_DUPLICATE');
    // The clash in backbones kept pkg-b's region source out too.
    expect(stages.regionSources.has('grid')).toBe(false);
    stages.addAll({ regionSources: [gridSource] }, 'pkg-b');
    expect(stages.contributedBy('pkg-b')).toEqual({
      backbones: [],
      necks: [],
      regionSources: ['grid'],
      viewRecipes: [],
    });
  });
});

describe('building stages from a run container', () => {
  function run(stages: StageRegistries) {
    const container = createRunContainer(createRootContainer(), Rng.fromSeed(1));
    provideValue(container, STAGES, stages);
    return container;
  }

  it('builds the configured backbone with the requested freezing and refuses one missing a level', () => {
    const requests: BackboneRequest[] = [];
    const stages = new StageRegistries();
    stages.addAll(
      {
        backbones: [
          fakeBackbones('pyramid', ['C2', 'C3', 'C4', 'C5'], requests),
          fakeBackbones('c5-only', ['C5']),
        ],
      },
      'pkg',
    );
    const container = run(stages);
    const backbone = buildBackbone(
      container,
      { arch: 'pyramid', widthMultiplier: 0.5 },
      Rng.fromSeed(2),
      { method: 'soco', levels: ['C2', 'C5'], frozenNorm: true, frozenStages: 1 },
    );
    expect(backbone.name).toBe('pyramid');
    expect(requests[0]).toMatchObject({
      arch: 'pyramid',
      widthMultiplier: 0.5,
      frozenNorm: true,
      frozenStages: 1,
    });
    expect(() =>
      buildBackbone(container, { arch: 'c5-only', widthMultiplier: 1 }, Rng.fromSeed(2), {
        method: 'soco',
        levels: ['C2', 'C3', 'C4', 'C5'],
      }),
    ).toThrow(
      /soco reads backbone levels C2, C3, C4, C5, but backbone "c5-only" has C5 \(missing C2, C3, C4\)/,
    );
  });

  it("builds a region source with only its own algorithm's parameters, and views from a recipe", () => {
    const stages = new StageRegistries();
    stages.addAll({ regionSources: [gridSource] }, 'pkg');
    const container = run(stages);
    const source = buildRegionSource(
      container,
      { algorithm: 'grid', parameters: { grid: { cells: 3 }, other: { preset: 'x' } } },
      'soco',
    );
    expect(source.parameters).toEqual({ cells: 3 });
    expect(
      buildRegionSource(container, { algorithm: 'grid', parameters: {} }, 'soco').parameters,
    ).toEqual({});
    expect(() =>
      buildRegionSource(container, { algorithm: 'fh', parameters: {} }, 'detcon'),
    ).toThrow(
      /detcon: regions\.algorithm: no region source named "fh" is registered; available: grid/,
    );
    stages.addAll({ viewRecipes: [pairRecipe] }, 'pkg');
    const views = buildViews(
      container,
      'pair',
      { imageSize: 32, viewNames: ['q', 'k'] },
      'densecl',
    );
    expect(views.viewNames).toEqual(['q', 'k']);
    expect(() => buildViews(container, 'mocov2', { imageSize: 32, viewNames: [] }, 'x')).toThrow(
      /x: views: no view recipe named "mocov2" is registered; available: pair/,
    );
  });
});
