import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRunDirectory } from './default-run-directory.js';

describe('defaultRunDirectory', () => {
  it('names the run after the command and its UTC start time, to the second', () => {
    expect(defaultRunDirectory('densecl', new Date('2026-12-07T06:45:12.987Z'))).toBe(
      path.join('runs', 'densecl-20261207-064512'),
    );
  });
});
