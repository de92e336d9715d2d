import { SsdetError } from '../errors/ssdet-error.js';

/** What every stage factory has: the name it is registered under and a line for `ssdet plugins`. */
export interface NamedFactory {
  readonly name: string;
  readonly description: string;
}

/** A named factory and the package that contributed it. */
export interface StageEntry<Factory> {
  readonly factory: Factory;
  /** The contributing plugin's package name (`@ssdet/nn`). */
  readonly contributor: string;
}

/**
 * Named factories of one kind of stage (detectron2's `Registry`): `add` refuses a second factory
 * under a taken name, naming both contributors; `get` names what is available when a name is
 * unknown, so `--backbone resnt50` fails with the list of backbones installed.
 */
export class StageRegistry<Factory extends NamedFactory> {
  private readonly entries = new Map<string, StageEntry<Factory>>();

  constructor(
    /** `backbone`, `region source`, … for messages. */
    readonly kind: string,
  ) {}

  /** Adds `factory`; the same factory object twice (a package reached by two paths) is a no-op. */
  add(factory: Factory, contributor: string): void {
    if (this.check(factory, contributor)) this.entries.set(factory.name, { factory, contributor });
  }

  /** Throws if `factory` would clash; false when this very factory is already registered. */
  check(factory: Factory, contributor: string): boolean {
    const existing = this.entries.get(factory.name);
    if (existing !== undefined && existing.factory === factory) return false;
    if (existing !== undefined) {
      throw new SsdetError(
        'STAGE_DUPLICATE',
        `The ${this.kind} name "${factory.name}" is claimed by ${contributor} and by ${existing.contributor} (registered first).`,
        { hint: 'Uninstall one of the two packages, or load only the one you want with --plugin.' },
      );
    }
    return true;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The factory named `name`; `purpose` says who asked (`densecl's backbone.arch`). */
  get(name: string, purpose: string): Factory {
    const entry = this.entries.get(name);
    if (entry !== undefined) return entry.factory;
    const known = this.names();
    throw new SsdetError(
      'STAGE_UNKNOWN',
      `${purpose}: no ${this.kind} named "${name}" is registered; ${known.length === 0 ? `no ${this.kind}s are` : `available: ${known.join(', ')}`}.`,
      {
        hint: `Install the package that contributes it (\`ssdet plugins\` lists what each package contributes), or load it with --plugin.`,
      },
    );
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  list(): readonly StageEntry<Factory>[] {
    return this.names().map((name) => this.entries.get(name)!);
  }
}
