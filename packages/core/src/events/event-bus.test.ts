import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';
import type { SsdetEvent } from './event-map.js';
import { Logger } from './logger.js';

describe('EventBus and Logger', () => {
  it('delivers scoped log events and survives a throwing listener', () => {
    const bus = new EventBus();
    const seen: SsdetEvent[] = [];
    bus.subscribe(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = bus.subscribe((event) => seen.push(event));

    new Logger(bus, 'ssdet').child('backend').warn('wasm skipped', { reason: 'no kernel' });
    unsubscribe();
    new Logger(bus, 'ssdet').info('not seen');

    expect(seen).toEqual([
      expect.objectContaining({
        type: 'log',
        level: 'warn',
        scope: 'ssdet.backend',
        message: 'wasm skipped',
        fields: { reason: 'no kernel' },
      }),
    ]);
    expect(bus.drainListenerErrors()).toHaveLength(2);
  });
});
