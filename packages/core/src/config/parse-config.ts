import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';

/**
 * Validates `raw` against a zod schema and returns the typed, defaulted value. Every failure
 * becomes a {@link ConfigError} listing the key path, the value found there and what is allowed,
 * so a user never has to read a zod dump.
 *
 * @param source where the value came from (`--config run.yaml`, `plugin densecl`), used in the message.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  raw: unknown,
  source: string,
): z.output<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    received: valueAt(raw, issue.path),
    expected: describeExpectation(issue, schema),
  }));
  throw new ConfigError(source, issues);
}

function describeExpectation(issue: z.core.$ZodIssue, schema: z.ZodType): string {
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, issue.path);
    const suggestions = issue.keys
      .map((key) => closest(key, known))
      .filter((key): key is string => key !== undefined);
    return `no key(s) ${issue.keys.join(', ')} (unknown${suggestions.length === 0 ? '' : `; did you mean ${suggestions.join(', ')}?`})`;
  }
  // zod's messages read "Invalid input: expected number, received string"; keep the useful half.
  const match = /expected (.*?)(, received .*)?$/.exec(issue.message);
  return match?.[1] ?? issue.message;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The keys an object schema allows at `path` (through defaults, optionals and pipes). */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  for (let depth = 0; depth <= path.length && current !== undefined; ) {
    const def = current._zod.def as unknown as {
      type: string;
      innerType?: z.core.$ZodType;
      in?: z.core.$ZodType;
      shape?: Record<string, z.core.$ZodType>;
    };
    if (def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else if (def.type === 'object' && def.shape !== undefined) {
      if (depth === path.length) return Object.keys(def.shape);
      current = def.shape[String(path[depth])];
      depth += 1;
    } else return [];
  }
  return [];
}

/** The known key nearest to a mistyped one, when it is near enough to be what was meant. */
function closest(typed: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const key of known) {
    const distance = editDistance(typed.toLowerCase(), key.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [key, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}
