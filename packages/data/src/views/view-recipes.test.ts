import {
  createRootContainer,
  createRunContainer,
  provideValue,
  Rng,
  STAGES,
  StageRegistries,
  buildViews,
} from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { plugin } from '../plugin.js';
import { byolViews, mocoV2Views } from './recipes.js';
import { SpecViewGenerator } from './spec-view-generator.js';

describe('the view recipes @ssdet/data contributes', () => {
  const stages = new StageRegistries();
  stages.addAll(plugin.contributes ?? {}, '@ssdet/data');
  const run = createRunContainer(createRootContainer(), Rng.fromSeed(0));
  provideValue(run, STAGES, stages);

  it('builds mocov2 and byol as their view specs, under the names asked for', () => {
    expect(stages.viewRecipes.names()).toEqual(['byol', 'mocov2']);
    const moco = buildViews(
      run,
      'mocov2',
      { imageSize: 48, viewNames: ['query', 'key'] },
      'densecl',
    );
    expect(moco).toBeInstanceOf(SpecViewGenerator);
    expect((moco as SpecViewGenerator).specs).toEqual(mocoV2Views(48, ['query', 'key']));
    const byol = buildViews(run, 'byol', { imageSize: 32, viewNames: ['a', 'b'] }, 'byol');
    expect((byol as SpecViewGenerator).specs).toEqual(byolViews(32, ['a', 'b']));
    expect(byol.viewNames).toEqual(['a', 'b']);
  });

  it('refuses a number of views the recipe does not make', () => {
    expect(() =>
      buildViews(run, 'byol', { imageSize: 32, viewNames: ['a', 'b', 'c'] }, 'x'),
    ).toThrow(/View recipe "byol" makes two views; 3 view names were asked for \(a, b, c\)/);
  });
});
