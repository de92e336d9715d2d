import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';

/**
 * What a method package exports (as `plugin` or as its default export).
 *
 * ```ts
 * export const plugin = definePlugin({
 *   name: 'densecl',
 *   version: '0.1.0',
 *   coreRange: '^0.1.0',
 *   configSchema: denseclConfigSchema,        // defaults = the paper's recipe
 *   presets: { demo: { backbone: { depth: 18, widthMultiplier: 0.125 } } },
 *   register(container) {
 *     provideFactory(container, PRETRAIN_METHOD, (c) => new DenseCL(resolveToken(c, DENSECL_CONFIG)));
 *   },
 * });
 * ```
 */
export interface SsdetPlugin<Schema extends z.ZodType = z.ZodType> {
  /** Method name users type: `ssdet pretrain --method <name>`. Lowercase, digits, dashes. */
  readonly name: string;
  /** The plugin package's version. */
  readonly version: string;
  /** The semver range of `@ssdet/core` this plugin works with (its peer range). */
  readonly coreRange: string;
  /** One line for `ssdet plugins`. */
  readonly description?: string;
  /** Hyper-parameters; the defaults are the paper's full-scale recipe. */
  readonly configSchema: Schema;
  /** Partial configs merged over the defaults by name; `demo` trains on the bundled data in minutes. */
  readonly presets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Binds the method (PRETRAIN_METHOD) and any stage overrides in the run's container. */
  register(container: DependencyContainer): void;
}

/** Identity function that checks a plugin object against the contract at compile time. */
export function definePlugin<Schema extends z.ZodType>(
  plugin: SsdetPlugin<Schema>,
): SsdetPlugin<Schema> {
  return plugin;
}
