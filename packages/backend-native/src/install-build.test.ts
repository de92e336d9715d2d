import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let copy: string;

/** The package's install script in a copy of the package that has no built addon. */
function install(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(copy, 'scripts', 'build-native.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SSDET_SKIP_NATIVE: '', ...env },
  });
}

beforeAll(async () => {
  copy = await mkdtemp(path.join(os.tmpdir(), 'ssdet-install-'));
  await cp(path.join(packageDir, 'scripts'), path.join(copy, 'scripts'), { recursive: true });
});
afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

describe('the install-time build (scripts/build-native.mjs)', () => {
  it('without oneDNN: one line, and the install goes on (exit 0); build:native fails', () => {
    const installing = install(['--if-possible'], { DNNL_ROOT: path.join(copy, 'no-onednn') });
    expect(installing.status).toBe(0);
    const lines = installing.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/oneDNN headers not found \(apt-get install libdnnl-dev.*cpu backend/);
    const explicit = install([], { DNNL_ROOT: path.join(copy, 'no-onednn') });
    expect(explicit.status).toBe(1);
  });

  it("finds jpeglib.h for the addon's JPEG decoder, and prints nothing when it is off", () => {
    const find = (env: Record<string, string>) =>
      spawnSync(process.execPath, [path.join(copy, 'scripts', 'find-jpeg.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, SSDET_NATIVE_JPEG: '', ...env },
      });
    const found = find({});
    expect(found.status).toBe(0);
    const header = ['/usr/include', '/usr/local/include'].find((dir) =>
      existsSync(path.join(dir, 'jpeglib.h')),
    );
    if (header !== undefined) expect(found.stdout).toBe(header);
    if (found.stdout !== '') expect(existsSync(path.join(found.stdout, 'jpeglib.h'))).toBe(true);
    const off = find({ SSDET_NATIVE_JPEG: '0' });
    expect([off.status, off.stdout]).toEqual([0, '']);
  });

  it('SSDET_SKIP_NATIVE=1 skips it with one line', () => {
    const skipped = install(['--if-possible'], { SSDET_SKIP_NATIVE: '1' });
    expect(skipped.status).toBe(0);
    expect(skipped.stdout.trim()).toBe(
      '@ssdet/backend-native: SSDET_SKIP_NATIVE=1: not building the native backend.',
    );
  });
});
