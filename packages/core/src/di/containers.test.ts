import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import { Logger } from '../events/logger.js';
import { PluginRegistry } from '../plugin/plugin-registry.js';
import { Rng } from '../random/rng.js';
import { CORE_VERSION_STRING } from '../version.js';
import { createRootContainer, createRunContainer } from './containers.js';
import { provideFactory, provideValue, resolveToken } from './token.js';
import {
  CORE_VERSION,
  EVENT_BUS,
  LOGGER,
  PRETRAIN_METHOD,
  RUN_RNG,
  pluginConfigToken,
} from './tokens.js';

@injectable()
class NeedsLogger {
  constructor(@inject(LOGGER) readonly logger: Logger) {}
}

describe('containers', () => {
  it('the root provides the bus, a logger and the core version; classes resolve with explicit @inject', () => {
    const bus = new EventBus();
    const root = createRootContainer({ bus });
    expect(resolveToken(root, EVENT_BUS)).toBe(bus);
    expect(resolveToken(root, CORE_VERSION)).toBe(CORE_VERSION_STRING);
    expect(root.resolve(NeedsLogger).logger).toBeInstanceOf(Logger);
    expect(root.resolve(PluginRegistry).coreVersion).toBe(CORE_VERSION_STRING);
  });

  it('keeps each run’s bindings to itself', () => {
    const root = createRootContainer();
    const runA = createRunContainer(root, Rng.fromSeed(1));
    const runB = createRunContainer(root, Rng.fromSeed(2));
    const config = pluginConfigToken<{ lambda: number }>('toy');
    provideValue(runA, config, { lambda: 0.5 });

    expect(resolveToken(runA, config).lambda).toBe(0.5);
    expect(() => resolveToken(runB, config)).toThrow(
      /Nothing is bound to @ssdet\/plugin-config\/toy/,
    );
    expect(() => resolveToken(root, RUN_RNG)).toThrow(/Nothing is bound to @ssdet\/run-rng/);
    expect(resolveToken(runA, RUN_RNG).nextUint32()).not.toBe(
      resolveToken(runB, RUN_RNG).nextUint32(),
    );
    expect(resolveToken(runA, EVENT_BUS)).toBe(resolveToken(runB, EVENT_BUS));
  });

  it('a factory runs once per run container', () => {
    const root = createRootContainer();
    let calls = 0;
    provideFactory(root, PRETRAIN_METHOD, () => {
      calls += 1;
      return { name: `method-${calls}` } as never;
    });
    const run = createRunContainer(root, Rng.fromSeed(1));
    expect(resolveToken(run, PRETRAIN_METHOD)).toBe(resolveToken(run, PRETRAIN_METHOD));
    expect(calls).toBe(1);
  });
});
