import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
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

  it('lists available methods when an unknown one is asked for', () => {
    const registry = new PluginRegistry('0.4.2', new EventBus());
    registry.add(fakePlugin({ name: 'densecl' }), origin('a'));
    registry.add(fakePlugin({ name: 'soco' }), origin('b'));
    expect(() => registry.get('detco')).toThrow(
      /No plugin provides the method "detco"\. Available: densecl, soco\./,
    );
    expect(registry.list().map((entry) => entry.plugin.name)).toEqual(['densecl', 'soco']);
  });
});
