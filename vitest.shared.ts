import { defaultServerConditions, defineConfig, type UserConfig } from 'vite';

/**
 * The one vitest configuration every package extends, so that each suite runs alone
 * (`cd packages/x && npx vitest run`) and all together (`npm test` at the root).
 *
 * Workspace packages resolve to their TypeScript sources through the `@ssdet/source`
 * export condition, so tests never need a build first.
 */
export const sourceCondition = '@ssdet/source';

export function packageTestConfig(name: string): UserConfig {
  return defineConfig({
    resolve: { conditions: [sourceCondition, ...defaultServerConditions] },
    ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
    // tsyringe's decorators are the legacy (experimental) kind.
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts', '*/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**', '**/template/**'],
      environment: 'node',
      testTimeout: 60_000,
      // A bench's beforeAll runs its PyTorch side first: minutes per step at full size.
      hookTimeout: process.argv.includes('bench') ? 4 * 3600_000 : 60_000,
      pool: 'forks',
      // `npm run bench -- <suite>` runs every `bench/<suite>.bench.ts`; heavy steps set their own iterations.
      benchmark: { include: ['bench/**/*.bench.ts'] },
    },
  }) as UserConfig;
}
