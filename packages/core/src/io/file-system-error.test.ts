import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsdetError } from '../errors/ssdet-error.js';
import { fileSystemError, withPath } from './file-system-error.js';
import { writeFileAtomically } from './write-file-atomically.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-fs-error-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to fail');
}

describe('fileSystemError', () => {
  it('a full disk (ENOSPC) becomes one line naming the file', async () => {
    // Node's write() on an open file fails without a path: withPath gives it the file's.
    const raised = await failure(() => writeFile('/dev/full', 'x'));
    expect(fileSystemError(raised)).toBeUndefined();
    expect(fileSystemError(raised, '/runs/a')?.message).toBe(
      'Cannot write in /runs/a: the disk is full (ENOSPC).',
    );
    const error = fileSystemError(withPath(raised, '/dev/full'));
    expect(error).toBeInstanceOf(SsdetError);
    expect(error?.code).toBe('FILE_ENOSPC');
    expect(error?.message).toBe('Cannot write /dev/full: the disk is full (ENOSPC).');
    expect(error?.message).not.toContain('\n');
    expect(error?.hint).toMatch(/Free some space/);
  });

  it('a file where a folder should be, and a file in the way', async () => {
    const file = path.join(dir, 'plain');
    await writeFile(file, 'x');
    const notDir = fileSystemError(
      await failure(() => writeFileAtomically(path.join(file, 'config.yaml'), 'a')),
    );
    expect(notDir?.code).toBe('FILE_ENOTDIR');
    expect(notDir?.message).toContain(path.join(file, 'config.yaml'));
    const exists = fileSystemError(await failure(() => open(file, 'wx')));
    expect(exists?.message).toBe(
      `Cannot open ${file}: it already exists and is in the way (EEXIST).`,
    );
  });

  it('a read-only file system (EROFS) names the path', () => {
    // Making a read-only mount needs privileges a test does not have: the error as Node raises it.
    const raised = Object.assign(new Error("EROFS: read-only file system, mkdir '/ro/run'"), {
      code: 'EROFS',
      errno: -30,
      syscall: 'mkdir',
      path: '/ro/run',
    });
    expect(fileSystemError(raised)?.message).toBe(
      'Cannot create the directory /ro/run: the file system is read-only (EROFS).',
    );
  });

  it('anything else stays what it was (a bug keeps its stack)', () => {
    expect(fileSystemError(new TypeError('x is undefined'))).toBeUndefined();
    expect(
      fileSystemError(Object.assign(new Error('no path'), { code: 'ENOSPC' })),
    ).toBeUndefined();
    expect(fileSystemError('ENOSPC')).toBeUndefined();
  });
});
