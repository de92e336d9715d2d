import { readReferenceFixture, readReferenceJson } from '@ssdet/test-support';

/** tools/reference/fixtures/nn-weights/<name>, made by tools/reference/nn-weights/make_fixtures.py. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readReferenceFixture('nn-weights', name));
}

export function fixtureJson<T>(name: string): T {
  return readReferenceJson<T>('nn-weights', name);
}

export interface ExpectedTensor {
  readonly dtype: string;
  readonly shape: number[];
  readonly values: number[];
}
