import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The `ssdet` executable of this package. */
export const SSDET_BIN = path.resolve(here, '../../bin/ssdet.js');

/**
 * Runs the built `ssdet` in a child process, as a user would: plugins installed in a project are
 * plain JavaScript packages that import the built @ssdet/core.
 */
export async function ssdet(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  if (!existsSync(path.resolve(here, '../../dist/bin.js')))
    throw new Error('These tests run the built CLI: run `npm run build` first (npm test does).');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SSDET_BIN, ...args], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}
