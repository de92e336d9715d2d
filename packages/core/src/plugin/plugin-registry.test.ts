import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { createRootContainer } from '../di/containers.js';
import { resolveToken } from '../di/token.js';
import { STAGES } from '../di/tokens.js';
import { EventBus } from '../events/event-bus.js';
import type { SsdetPlugin } from './plugin.js';
import { PluginError } from './plugin-errors.js';
import { PluginRegistry, isRefusal } from './plugin-registry.js';
import { fakePlugin } from './test-support/fake-plugin.js';

const origin = (packageName: string, packageVersion = '1.0.0') => ({
  packageName,
  packageVersion,
  discovery: 'api' as const,
});

describe('PluginRegistry', () => {
  it('accepts a compatible plugin and announces it', () => {
    const bus = new EventBus();
    const events: string[] = [];
    bus.subscribe((event) => events.push(event.type));
    const registry = new PluginRegistry('0.4.2', bus);
    registry.add(fakePlugin({ coreRange: '^0.4.0' }), origin('ssdet-plugin-toy'));
    expect(registry.get('toy').origin.packageName).toBe('ssdet-plugin-toy');
    expect(events).toEqual(['plugin.registered']);
  });

  it('refuses a plugin whose coreRange excludes the running core, naming both versions', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    const attempt = () =>
      registry.add(
        fakePlugin({ version: '2.3.0', coreRange: '^1.0.0' }),
        origin('ssdet-plugin-toy', '2.3.0'),
      );
    expect(attempt).toThrow(PluginError);
    expect(attempt).toThrow(
      /"toy" 2\.3\.0 .*requires @ssdet\/core \^1\.0\.0, but the running @ssdet\/core is 0\.4\.2/,
    );
    expect(registry.has('toy')).toBe(false);
  });

  it('refuses a second plugin with a taken name, naming both packages', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    registry.add(fakePlugin({ version: '1.0.0' }), origin('@ssdet/plugin-toy', '1.0.0'));
    const outcome = registry.tryAdd(
      fakePlugin({ version: '9.9.9' }),
      origin('someone-elses-toy', '9.9.9'),
    );
    expect(isRefusal(outcome)).toBe(true);
    if (!isRefusal(outcome)) return;
    expect(outcome.code).toBe('PLUGIN_DUPLICATE');
    expect(outcome.reason).toMatch(
      /9\.9\.9 from someone-elses-toy@9\.9\.9 and 1\.0\.0 from @ssdet\/plugin-toy@1\.0\.0/,
    );
    expect(registry.get('toy').plugin.version).toBe('1.0.0');
    expect(registry.refused()).toHaveLength(1);
  });

  it('explains every contract violation of a malformed plugin at once', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    const broken = {
      name: 'Bad Name',
      version: 'one',
      coreRange: 'whatever!',
      configSchema: {},
      register: 3,
    };
    expect(() => registry.add(broken, origin('bad-plugin'))).toThrow(
      /bad-plugin@1\.0\.0 is not a valid ssdet plugin: `name`.*; `version`.*; `coreRange`.*; `configSchema`.*; `register/,
    );
    expect(() => registry.add(undefined, origin('empty-plugin'))).toThrow(
      /does not export a plugin object/,
    );
  });

  it('refuses a malformed pretrainedBackbone requirement, and accepts a well-formed one', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    expect(() =>
      registry.add(
        { ...fakePlugin({ name: 'frozen' }), pretrainedBackbone: { configKey: 3 } },
        origin('frozen-plugin'),
      ),
    ).toThrow(/`pretrainedBackbone` must be `\{ configKey, paperBackbone \}`/);
    registry.add(
      {
        ...fakePlugin({ name: 'frozen' }),
        pretrainedBackbone: { configKey: 'backboneWeights', paperBackbone: 'a SwAV ResNet-50' },
      },
      origin('frozen-plugin'),
    );
    expect(registry.get('frozen').plugin.pretrainedBackbone?.configKey).toBe('backboneWeights');
  });

  it('lists available methods when an unknown one is asked for', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    registry.add(fakePlugin({ name: 'densecl' }), origin('a'));
    registry.add(fakePlugin({ name: 'soco' }), origin('b'));
    expect(() => registry.get('detco')).toThrow(
      /No plugin provides the method "detco"\. Available: densecl, soco\./,
    );
    expect(registry.list().map((entry) => entry.plugin.name)).toEqual(['densecl', 'soco']);
  });

  it('registers stage contributions, and the stage packages a method includes, once each', () => {
    const root = createRootContainer();
    const registry = root.resolve(PluginRegistry);
    const grid = {
      name: 'grid',
      description: 'boxes',
      create: () => ({
        algorithm: 'grid',
        parameters: {},
        propose: () => Promise.resolve({ boxes: new Float32Array(0) }),
      }),
    };
    const stagesOnly: SsdetPlugin = {
      name: 'grids',
      version: '1.0.0',
      coreRange: '*',
      contributes: { regionSources: [grid] },
    };
    registry.add(fakePlugin({ name: 'gridded', includes: [stagesOnly] }), origin('method-pkg'));
    registry.add(stagesOnly, origin('grids-pkg')); // discovered again later: the same object, no-op
    expect(resolveToken(root, STAGES)).toBe(registry.stages);
    expect(registry.stages.regionSources.get('grid', 'test')).toBe(grid);
    expect(registry.methods().map(({ plugin }) => plugin.name)).toEqual(['gridded']);
    expect(registry.list().map(({ plugin }) => plugin.name)).toEqual(['gridded', 'grids']);
    expect(() => registry.get('grids')).toThrow(
      /No plugin provides the method "grids"\. Plugin "grids" \(grids \(included by method-pkg\)\) contributes stages but no method\./,
    );

    // Another package claiming the same stage name is refused, naming both.
    const rival = registry.tryAdd(
      { ...stagesOnly, name: 'rival', contributes: { regionSources: [{ ...grid }] } },
      origin('rival-pkg'),
    );
    expect(isRefusal(rival) && rival.reason).toMatch(
      /rival-pkg@1\.0\.0: The region source name "grid" is claimed by rival-pkg and by grids \(included by method-pkg\)/,
    );
    expect(registry.has('rival')).toBe(false);
  });

  it('refuses malformed stage contributions and a plugin that provides nothing', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    const base = { name: 'stages', version: '1.0.0', coreRange: '*' };
    expect(() => registry.add(base, origin('empty'))).toThrow(
      /provides neither a method \(`configSchema` \+ `register`\) nor stages/,
    );
    expect(() =>
      registry.add(
        { ...base, contributes: { heads: [], backbones: [{ name: 'X' }] } },
        origin('bad'),
      ),
    ).toThrow(
      /`contributes\.heads` is not a stage kind.*`contributes\.backbones\[0\]` must have a lowercase `name`, a `description` and a `create` function/,
    );
    expect(() => registry.add({ ...base, register: () => undefined }, origin('half'))).toThrow(
      /a method needs both `configSchema` and `register\(container\)`/,
    );
  });
});
