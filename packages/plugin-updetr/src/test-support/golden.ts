import { readReferenceJson } from '@ssdet/test-support';

/** tools/reference/fixtures/updetr/golden.json, written by tools/reference/updetr/make_updetr_golden.py. */
export function readGolden<T>(): T {
  return readReferenceJson<T>('updetr', 'golden.json');
}
