import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readReferenceFixture,
  readReferenceJson,
  referenceFixturePath,
  repositoryRoot,
} from './reference-fixtures.js';

describe('reference fixtures', () => {
  it('finds the repository root above this package', () => {
    const root = repositoryRoot();
    expect(existsSync(path.join(root, 'tools', 'reference', 'fixtures'))).toBe(true);
    expect(existsSync(path.join(root, 'packages', 'test-support', 'package.json'))).toBe(true);
  });

  it('locates and reads a committed fixture', () => {
    const file = referenceFixturePath('detr', 'attention.json');
    expect(file).toBe(path.join(repositoryRoot(), 'tools/reference/fixtures/detr/attention.json'));
    expect(readReferenceFixture('detr', 'attention.json').byteLength).toBeGreaterThan(0);
    expect(typeof readReferenceJson<object>('detr', 'attention.json')).toBe('object');
  });

  it('names the missing path in a one-line error', () => {
    const missing = path.join(repositoryRoot(), 'tools/reference/fixtures/detr/no-such.json');
    expect(() => referenceFixturePath('detr', 'no-such.json')).toThrow(
      `Reference fixture not found: ${missing} `,
    );
    expect(() => readReferenceJson('no-such-dir', 'x.json')).toThrow(/^[^\n]*no-such-dir[^\n]*$/);
  });
});
