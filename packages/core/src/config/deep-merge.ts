/** A plain JSON-like object (what YAML/JSON configs and `--set` overrides produce). */
export type ConfigObject = { [key: string]: unknown };

function isConfigObject(value: unknown): value is ConfigObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Merges config layers left to right (defaults ← preset ← file ← `--set`). Objects merge key by
 * key; arrays and scalars are replaced whole, because a partially merged list of loss weights or
 * image sizes is never what a user meant. An object whose `type` differs from the one before it
 * (an SGD optimizer switched to LARS, a cosine schedule to a step one) replaces it whole too: the
 * earlier kind's options (SGD's `nesterov`) mean nothing to the new kind.
 */
export function deepMerge(...layers: readonly unknown[]): ConfigObject {
  const result: ConfigObject = {};
  for (const layer of layers) {
    if (!isConfigObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      const previous = result[key];
      result[key] =
        isConfigObject(previous) && isConfigObject(value) && !changesKind(previous, value)
          ? deepMerge(previous, value)
          : value;
    }
  }
  return result;
}

function changesKind(previous: ConfigObject, next: ConfigObject): boolean {
  return 'type' in next && 'type' in previous && next['type'] !== previous['type'];
}
