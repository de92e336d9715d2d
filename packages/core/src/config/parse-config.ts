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
    expected: describeExpectation(issue),
  }));
  throw new ConfigError(source, issues);
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `no key(s) ${issue.keys.join(', ')} (unknown)`;
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
