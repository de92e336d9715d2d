import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from './plugin-errors.js';
import type { PluginOrigin } from './plugin-origin.js';
import {
  isRefusal,
  type PluginRegistry,
  type RefusedPlugin,
  type RegisteredPlugin,
} from './plugin-registry.js';
import { resolvePackageEntry, type PackageManifest } from './package-entry.js';

export interface DiscoveryOptions {
  /** Where to start looking for `node_modules` (walking up to the filesystem root). */
  readonly cwd: string;
  /** Packages named with `--plugin` or config `plugins: [...]`: package names or paths. */
  readonly explicit?: readonly string[];
  /** Also load every installed package whose package.json has `"ssdet": { "plugin": true }`. Default true. */
  readonly automatic?: boolean;
  /** More directories to walk up from, e.g. the CLI's own location when it is installed globally. */
  readonly alsoSearchFrom?: readonly string[];
  /** Extra export conditions to resolve package entries with (tests use the source condition). */
  readonly conditions?: readonly string[];
}

export interface DiscoveryReport {
  readonly registered: readonly RegisteredPlugin[];
  readonly refused: readonly RefusedPlugin[];
}

interface FoundPackage {
  readonly dir: string;
  readonly manifest: PackageManifest;
}

/**
 * Finds plugins and adds them to `registry`: first the explicit ones, in order, then every
 * installed package that declares itself a plugin. A package found in several `node_modules`
 * directories counts once (the nearest, as Node would resolve it). Problems become refusals in
 * the report, except a missing explicit package, which throws: the user asked for it by name.
 */
export async function discoverPlugins(
  registry: PluginRegistry,
  options: DiscoveryOptions,
): Promise<DiscoveryReport> {
  const roots = searchRoots(options);
  const registered: RegisteredPlugin[] = [];
  const refused: RefusedPlugin[] = [];
  const loadedDirs = new Set<string>();
  const record = (outcome: RegisteredPlugin | RefusedPlugin): void => {
    if (isRefusal(outcome)) refused.push(outcome);
    else registered.push(outcome);
  };

  for (const specifier of options.explicit ?? []) {
    const found = await findExplicit(specifier, options.cwd, roots);
    loadedDirs.add(found.dir);
    record(await loadFrom(registry, found, 'explicit', options.conditions ?? []));
  }
  if (options.automatic ?? true) {
    const loaded: LoadedPackage[] = [];
    for (const found of await scanPluginPackages(roots)) {
      if (loadedDirs.has(found.dir)) continue;
      loadedDirs.add(found.dir);
      const outcome = await importPackage(registry, found, 'automatic', options.conditions ?? []);
      if (wasRefused(outcome)) record(outcome);
      else loaded.push(outcome);
    }
    // Stage packages before methods: a method that includes one (DenseCL includes @ssdet/nn)
    // then finds it registered under its own package name.
    const stagesFirst = [...loaded].sort(
      (a, b) => Number(isMethodCandidate(a.candidate)) - Number(isMethodCandidate(b.candidate)),
    );
    for (const { candidate, origin } of stagesFirst) record(registry.tryAdd(candidate, origin));
  }
  return { registered, refused };
}

/** `node_modules` directories from `cwd` up to the root, then from each extra start directory. */
function searchRoots(options: DiscoveryOptions): string[] {
  const roots: string[] = [];
  for (const start of [options.cwd, ...(options.alsoSearchFrom ?? [])]) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate =
        path.basename(dir) === 'node_modules' ? dir : path.join(dir, 'node_modules');
      if (existsSync(candidate) && !roots.includes(candidate)) roots.push(candidate);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return roots;
}

async function findExplicit(
  specifier: string,
  cwd: string,
  roots: readonly string[],
): Promise<FoundPackage> {
  const isPath = specifier.startsWith('.') || path.isAbsolute(specifier);
  const candidates = isPath
    ? [path.resolve(cwd, specifier)]
    : roots.map((root) => path.join(root, specifier));
  for (const dir of candidates) {
    const manifest = await readManifest(dir);
    if (manifest !== undefined) return { dir, manifest };
  }
  throw new PluginError(
    'PLUGIN_NOT_FOUND',
    isPath
      ? `--plugin ${specifier}: no package.json in ${candidates[0]}.`
      : `--plugin ${specifier}: the package is not installed (looked in ${roots.length === 0 ? 'no node_modules directory' : roots.join(', ')}).`,
    {
      hint: isPath
        ? 'Point --plugin at the plugin package directory.'
        : `Run npm install ${specifier}.`,
    },
  );
}

async function scanPluginPackages(roots: readonly string[]): Promise<FoundPackage[]> {
  const seenNames = new Set<string>();
  const found: FoundPackage[] = [];
  for (const root of roots) {
    for (const dir of await packageDirs(root)) {
      const manifest = await readManifest(dir);
      if (manifest?.ssdet?.plugin !== true) continue;
      const name = manifest.name ?? dir;
      if (seenNames.has(name)) continue; // shadowed by a nearer copy
      seenNames.add(name);
      found.push({ dir, manifest });
    }
  }
  return found;
}

async function packageDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const entry of await safeReaddir(root)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of await safeReaddir(path.join(root, entry)))
        dirs.push(path.join(root, entry, scoped));
    } else {
      dirs.push(path.join(root, entry));
    }
  }
  return dirs.sort();
}

async function safeReaddir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function readManifest(dir: string): Promise<PackageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageManifest;
  } catch {
    return undefined;
  }
}

interface LoadedPackage {
  readonly candidate: unknown;
  readonly origin: PluginOrigin;
}

function wasRefused(outcome: LoadedPackage | RefusedPlugin): outcome is RefusedPlugin {
  return 'reason' in outcome;
}

function isMethodCandidate(candidate: unknown): boolean {
  return (
    candidate !== null &&
    typeof candidate === 'object' &&
    typeof (candidate as { register?: unknown }).register === 'function'
  );
}

async function loadFrom(
  registry: PluginRegistry,
  found: FoundPackage,
  discovery: PluginOrigin['discovery'],
  conditions: readonly string[],
): Promise<RegisteredPlugin | RefusedPlugin> {
  const outcome = await importPackage(registry, found, discovery, conditions);
  return wasRefused(outcome) ? outcome : registry.tryAdd(outcome.candidate, outcome.origin);
}

/** Imports a package's entry: its exported plugin object, or a refusal saying why not. */
async function importPackage(
  registry: PluginRegistry,
  found: FoundPackage,
  discovery: PluginOrigin['discovery'],
  conditions: readonly string[],
): Promise<LoadedPackage | RefusedPlugin> {
  const origin: PluginOrigin = {
    packageName: found.manifest.name ?? path.basename(found.dir),
    location: found.dir,
    discovery,
    ...(found.manifest.version === undefined ? {} : { packageVersion: found.manifest.version }),
  };
  const entry = resolvePackageEntry(found.dir, found.manifest, conditions);
  if (entry === undefined || !existsSync(entry)) {
    return registry.refuse(
      origin,
      'PLUGIN_LOAD_FAILED',
      `Package ${origin.packageName} (${found.dir}) has no loadable entry point${entry === undefined ? ' in its "exports"' : `: ${entry} does not exist (was it built?)`}.`,
    );
  }
  let moduleExports: Record<string, unknown>;
  try {
    moduleExports = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return registry.refuse(
      origin,
      'PLUGIN_LOAD_FAILED',
      `Package ${origin.packageName} failed to load from ${entry}: ${message}`,
    );
  }
  return {
    candidate: moduleExports['plugin'] ?? moduleExports['default'],
    origin: { ...origin, entry },
  };
}
