import { z } from 'zod';
import type { MethodPlugin, SsdetPlugin } from '../plugin.js';

/** A minimal valid plugin for registry tests. */
export function fakePlugin(overrides: Partial<SsdetPlugin> = {}): MethodPlugin {
  return {
    name: 'toy',
    version: '1.0.0',
    coreRange: '>=0.0.0',
    configSchema: z.object({ temperature: z.number().positive().default(0.2) }),
    register: () => undefined,
    ...overrides,
  };
}
