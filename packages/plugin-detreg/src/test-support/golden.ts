import { readReferenceJson } from '@ssdet/test-support';

/** tools/reference/fixtures/detreg/golden.json, written by tools/reference/detreg/make_detreg_golden.py. */
export function readGolden<T>(): T {
  return readReferenceJson<T>('detreg', 'golden.json');
}
