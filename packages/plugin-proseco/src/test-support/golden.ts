import { readReferenceJson, type StoredArray } from '@ssdet/test-support';

/** One case of tools/reference/fixtures/proseco/golden.json (make_proseco_golden.py). */
export interface ContrastCase {
  readonly name: string;
  readonly delta: number;
  readonly tau: number;
  readonly anchor: 'teacher' | 'student';
  readonly aggregation: 'mean-log' | 'log-sum';
  /** The student ↔ teacher matching's embedding cost weight (0 = boxes only). */
  readonly costEmbedding: number;
  readonly studentBoxes: StoredArray;
  readonly teacherBoxes: StoredArray;
  readonly studentEmbeddings: StoredArray;
  readonly teacherEmbeddings: StoredArray;
  readonly matched: number[];
  readonly positives: StoredArray;
  readonly loss: number;
  readonly gradStudent: StoredArray;
}

export function readGolden(): { torch: string; cases: ContrastCase[] } {
  return readReferenceJson('proseco', 'golden.json');
}
