/** A plain JSON-like object (what YAML/JSON configs and `--set` overrides produce). */
export type ConfigObject = { [key: string]: unknown };

function isConfigObject(value: unknown): value is ConfigObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges config layers left to right (defaults ← preset ← file ← `--set`). Objects merge key by
 * key; arrays and scalars are replaced whole, because a partially merged list of loss weights or
 * image sizes is never what a user meant.
 */
export function deepMerge(...layers: readonly unknown[]): ConfigObject {
  const result: ConfigObject = {};
  for (const layer of layers) {
    if (!isConfigObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      const previous = result[key];
      result[key] =
        isConfigObject(previous) && isConfigObject(value) ? deepMerge(previous, value) : value;
    }
  }
  return result;
}
