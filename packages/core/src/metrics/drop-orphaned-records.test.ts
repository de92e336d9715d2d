import { describe, expect, it } from 'vitest';
import { dropOrphanedRecords } from './drop-orphaned-records.js';
import { makeRecord } from './test-support/make-record.js';

describe('dropOrphanedRecords', () => {
  it('keeps the resumed attempt where steps repeat', () => {
    const log = [1, 2, 3, 4, 5, 4, 5, 6].map((step, i) => makeRecord(step, { loss: i }));
    const kept = dropOrphanedRecords(log);
    expect(kept.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(kept.map((r) => r.loss)).toEqual([0, 1, 2, 5, 6, 7]);
  });

  it('leaves an uninterrupted log alone', () => {
    const log = [2, 4, 6].map((step) => makeRecord(step));
    expect(dropOrphanedRecords(log)).toEqual(log);
  });
});
