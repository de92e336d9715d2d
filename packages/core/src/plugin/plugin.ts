import type { DependencyContainer } from 'tsyringe';
import type { z } from 'zod';
import type { StageContributions } from '../stages/stage-contributions.js';

/**
 * What a plugin package exports (as `plugin` or as its default export). A plugin contributes a
 * method (`configSchema` + `register`), named stages (`contributes`: backbones, necks, region
 * sources, view recipes), or both.
 *
 * ```ts
 * export const plugin = definePlugin({
 *   name: 'densecl',
 *   version: PLUGIN_VERSION,                  // read from package.json
 *   coreRange: '^0.1.0',
 *   includes: [nnPlugin],                     // the stage packages the method builds on
 *   configSchema: denseclConfigSchema,        // defaults = the paper's recipe
 *   presets: { demo: denseclDemoPreset },
 *   register(container) {
 *     provideFactory(container, PRETRAIN_METHOD, (run) => new DenseCLMethod(run));
 *   },
 * });
 * ```
 */
export interface SsdetPlugin<Schema extends z.ZodType = z.ZodType> {
  /** The method name users type (`ssdet pretrain --method <name>`), or the package's short name. */
  readonly name: string;
  /** The plugin package's version. */
  readonly version: string;
  /** The semver range of `@ssdet/core` this plugin works with (its peer range). */
  readonly coreRange: string;
  /** One line for `ssdet plugins`. */
  readonly description?: string;
  /** Hyper-parameters of the method; the defaults are the paper's full-scale recipe. */
  readonly configSchema?: Schema;
  /** Partial configs merged over the defaults by name; `demo` trains on the bundled data in minutes. */
  readonly presets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Binds the method in the run's container: `PRETRAIN_METHOD`, and `VIEW_GENERATOR` (and
   * `REGION_SOURCE` when it uses regions) so that data workers can rebuild them on their threads.
   */
  register?(container: DependencyContainer): void;
  /**
   * The method trains on a frozen, pre-trained CNN (UP-DETR, DETReg and the like freeze a SwAV
   * ResNet): `configKey` is the config field that names its weights — a weights file, an
   * `ssdet pretrain` run directory, or `random` (an ablation). Without it, `--demo` builds (or
   * reuses) a small CNN pre-training run to freeze, and a full-scale run is refused.
   */
  readonly pretrainedBackbone?: PretrainedBackboneRequirement;
  /** Named stages this package adds to the registries. */
  readonly contributes?: StageContributions;
  /**
   * Plugins this one builds on (the stage packages it depends on, e.g. `@ssdet/nn`'s), registered
   * with it so that a method loaded alone still finds its backbone.
   */
  readonly includes?: readonly SsdetPlugin[];
}

/** See {@link SsdetPlugin.pretrainedBackbone}. */
export interface PretrainedBackboneRequirement {
  /** Top-level config key holding the weights source, e.g. `backboneWeights`. */
  readonly configKey: string;
  /** What the paper freezes, for the message that refuses a run without it (e.g. "a SwAV-pretrained ResNet-50"). */
  readonly paperBackbone: string;
}

/** A plugin that provides a method: `ssdet pretrain --method <name>` runs it. */
export type MethodPlugin<Schema extends z.ZodType = z.ZodType> = SsdetPlugin<Schema> &
  Required<Pick<SsdetPlugin<Schema>, 'configSchema' | 'register'>>;

export function isMethodPlugin(plugin: SsdetPlugin): plugin is MethodPlugin {
  return plugin.configSchema !== undefined && plugin.register !== undefined;
}

/** Identity function that checks a plugin object against the contract at compile time. */
export function definePlugin<Schema extends z.ZodType>(
  plugin: MethodPlugin<Schema>,
): MethodPlugin<Schema>;
export function definePlugin(plugin: SsdetPlugin): SsdetPlugin;
export function definePlugin(plugin: SsdetPlugin): SsdetPlugin {
  return plugin;
}
