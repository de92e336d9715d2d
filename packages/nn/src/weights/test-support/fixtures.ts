import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** tools/reference/fixtures/nn-weights/, made by tools/reference/nn-weights/make_fixtures.py. */
export const FIXTURE_DIR = fileURLToPath(
  new URL('../../../../../tools/reference/fixtures/nn-weights/', import.meta.url),
);

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURE_DIR + name));
}

export function fixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(FIXTURE_DIR + name, 'utf8')) as T;
}

export interface ExpectedTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly values: number[];
}
