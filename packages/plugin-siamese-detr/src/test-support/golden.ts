import { readReferenceJson } from '@ssdet/test-support';

/** tools/reference/fixtures/siamese-detr/golden.json, written by tools/reference/siamese-detr/make_siamese_detr_golden.py. */
export function readGolden<T>(): T {
  return readReferenceJson<T>('siamese-detr', 'golden.json');
}
