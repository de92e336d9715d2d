import path from 'node:path';

/** The parts of a package.json that discovery reads. */
export interface PackageManifest {
  readonly name?: string;
  readonly version?: string;
  readonly main?: string;
  readonly exports?: unknown;
  readonly ssdet?: { readonly plugin?: boolean };
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

const DEFAULT_CONDITIONS = ['import', 'node', 'default'];

/**
 * The file `import(packageName)` would load, following the `"."` entry of `exports` with
 * ESM conditions (nested condition objects, first match in key order), else `main`, else
 * `index.js`. Returns undefined when `exports` exists but offers no matching entry.
 */
export function resolvePackageEntry(
  packageDir: string,
  manifest: PackageManifest,
  extraConditions: readonly string[] = [],
): string | undefined {
  const conditions = new Set([...extraConditions, ...DEFAULT_CONDITIONS]);
  if (manifest.exports !== undefined) {
    const target = pickTarget(rootExport(manifest.exports), conditions);
    return target === undefined ? undefined : path.resolve(packageDir, target);
  }
  return path.resolve(packageDir, manifest.main ?? 'index.js');
}

function rootExport(exportsField: unknown): unknown {
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return exportsField;
  if (exportsField !== null && typeof exportsField === 'object') {
    const entries = exportsField as Record<string, unknown>;
    const subpathKeys = Object.keys(entries).some((key) => key.startsWith('.'));
    return subpathKeys ? entries['.'] : entries;
  }
  return undefined;
}

function pickTarget(target: unknown, conditions: ReadonlySet<string>): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const option of target) {
      const picked = pickTarget(option, conditions);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }
  if (target !== null && typeof target === 'object') {
    for (const [condition, value] of Object.entries(target as Record<string, unknown>)) {
      if (!conditions.has(condition)) continue;
      const picked = pickTarget(value, conditions);
      if (picked !== undefined) return picked;
    }
  }
  return undefined;
}
