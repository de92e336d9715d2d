import 'reflect-metadata';
import semver from 'semver';
import { inject, injectable } from 'tsyringe';
import { CORE_VERSION, EVENT_BUS, STAGES } from '../di/tokens.js';
import { isSsdetError } from '../errors/ssdet-error.js';
import type { EventBus } from '../events/event-bus.js';
import { StageRegistries } from '../stages/stage-registries.js';
import { PluginError, type PluginRefusalCode } from './plugin-errors.js';
import { describeOrigin, type PluginOrigin } from './plugin-origin.js';
import { isMethodPlugin, type MethodPlugin, type SsdetPlugin } from './plugin.js';
import { validatePlugin } from './validate-plugin.js';

export interface RegisteredPlugin {
  readonly plugin: SsdetPlugin;
  readonly origin: PluginOrigin;
}

/** A registered plugin that provides a method. */
export interface RegisteredMethod extends RegisteredPlugin {
  readonly plugin: MethodPlugin;
}

export interface RefusedPlugin {
  readonly origin: PluginOrigin;
  readonly code: PluginRefusalCode;
  readonly reason: string;
}

/**
 * The plugins of this process, by name, and the stages they contribute (`stages`). It refuses —
 * with a message naming both sides — a plugin built for another core, a second plugin claiming a
 * name already taken, and a stage name already taken. The root container provides one
 * (`root.resolve(PluginRegistry)`), filling the root's `STAGES`.
 */
@injectable()
export class PluginRegistry {
  private readonly plugins = new Map<string, RegisteredPlugin>();
  private readonly refusals: RefusedPlugin[] = [];

  constructor(
    @inject(CORE_VERSION) readonly coreVersion: string,
    @inject(EVENT_BUS) private readonly bus: EventBus,
    @inject(STAGES) readonly stages: StageRegistries = new StageRegistries(),
  ) {}

  /** Adds a plugin or throws a {@link PluginError} saying why not. */
  add(candidate: unknown, origin: PluginOrigin): RegisteredPlugin {
    const plugin = validatePlugin(candidate, origin);
    if (!semver.satisfies(this.coreVersion, plugin.coreRange, { includePrerelease: true })) {
      throw new PluginError(
        'PLUGIN_INCOMPATIBLE',
        `Plugin "${plugin.name}" ${plugin.version} from ${describeOrigin(origin)} requires @ssdet/core ${plugin.coreRange}, but the running @ssdet/core is ${this.coreVersion}.`,
        {
          hint: `Install a version of ${origin.packageName} built for @ssdet/core ${this.coreVersion}, or a core in ${plugin.coreRange}.`,
        },
      );
    }
    const existing = this.plugins.get(plugin.name);
    // One package reached twice (discovered, and included by a method that builds on it).
    if (existing?.plugin === plugin) return existing;
    if (existing !== undefined) {
      throw new PluginError(
        'PLUGIN_DUPLICATE',
        `Plugin name "${plugin.name}" is claimed twice: ${plugin.version} from ${describeOrigin(origin)} and ${existing.plugin.version} from ${describeOrigin(existing.origin)} (registered first).`,
        { hint: 'Uninstall one of the two packages, or load only the one you want with --plugin.' },
      );
    }
    for (const included of plugin.includes ?? []) {
      const name = (included as { name?: unknown }).name;
      const known = typeof name === 'string' ? this.plugins.get(name) : undefined;
      // A plugin of that name registered from elsewhere (a nearer copy, --plugin) takes precedence.
      // Its module is the including plugin's, not its own: no `entry` (a data worker that
      // imports the including plugin registers it again through `includes`).
      if (known === undefined)
        this.add(included, {
          packageName: `${String(name)} (included by ${origin.packageName})`,
          discovery: origin.discovery,
          ...(origin.location === undefined ? {} : { location: origin.location }),
        });
    }
    try {
      this.stages.addAll(plugin.contributes ?? {}, origin.packageName);
    } catch (error) {
      if (isSsdetError(error) && error.code === 'STAGE_DUPLICATE')
        throw new PluginError(
          'PLUGIN_DUPLICATE',
          `Plugin ${describeOrigin(origin)}: ${error.message}`,
          {
            ...(error.hint === undefined ? {} : { hint: error.hint }),
          },
        );
      throw error;
    }
    const registered = { plugin, origin };
    this.plugins.set(plugin.name, registered);
    this.bus.emit('plugin.registered', {
      name: plugin.name,
      version: plugin.version,
      packageName: origin.packageName,
    });
    return registered;
  }

  /** Like {@link add}, but records a refusal instead of throwing; discovery uses it. */
  tryAdd(candidate: unknown, origin: PluginOrigin): RegisteredPlugin | RefusedPlugin {
    try {
      return this.add(candidate, origin);
    } catch (error) {
      if (!(error instanceof PluginError) || error.code === 'PLUGIN_UNKNOWN') throw error;
      return this.refuse(origin, error.code, error.message);
    }
  }

  /** Records a package that could not even be loaded. */
  refuse(origin: PluginOrigin, code: PluginRefusalCode, reason: string): RefusedPlugin {
    const refusal = { origin, code, reason };
    this.refusals.push(refusal);
    this.bus.emit('plugin.refused', { packageName: origin.packageName, reason });
    return refusal;
  }

  has(name: string): boolean {
    return this.plugins.has(name);
  }

  /** The plugin that provides method `name`, or a {@link PluginError} listing the methods there are. */
  get(name: string): RegisteredMethod {
    const found = this.plugins.get(name);
    if (found !== undefined && isMethodPlugin(found.plugin)) return found as RegisteredMethod;
    const known = this.methods().map((registered) => registered.plugin.name);
    const refused = this.refusals.filter((refusal) => refusal.reason.includes(`"${name}"`));
    const notAMethod =
      found === undefined
        ? ''
        : ` Plugin "${name}" (${found.origin.packageName}) contributes stages but no method.`;
    throw new PluginError(
      'PLUGIN_UNKNOWN',
      `No plugin provides the method "${name}".${notAMethod} ${known.length === 0 ? 'No method plugins are registered.' : `Available: ${known.join(', ')}.`}${refused.map((r) => ` Refused: ${r.reason}`).join('')}`,
      {
        hint: `Install it (e.g. npm install @ssdet/plugin-${name}) or load it with --plugin <package>.`,
      },
    );
  }

  /** The plugins that provide a method, by name. */
  methods(): readonly RegisteredMethod[] {
    return this.list().filter((registered): registered is RegisteredMethod =>
      isMethodPlugin(registered.plugin),
    );
  }

  list(): readonly RegisteredPlugin[] {
    return [...this.plugins.values()].sort((a, b) => a.plugin.name.localeCompare(b.plugin.name));
  }

  refused(): readonly RefusedPlugin[] {
    return [...this.refusals];
  }
}

export function isRefusal(outcome: RegisteredPlugin | RefusedPlugin): outcome is RefusedPlugin {
  return 'reason' in outcome;
}
