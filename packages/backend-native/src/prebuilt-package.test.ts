import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREBUILT_PACKAGE } from './native-addon.js';
import { nativeBuilt, NATIVE_SUITE_NOTE } from './test-support/native-test-support.js';

const scripts = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'scripts');
let out: string;
beforeAll(async () => {
  out = path.join(await mkdtemp(path.join(os.tmpdir(), 'ssdet-prebuilt-')), 'package');
});
afterAll(async () => {
  await rm(path.dirname(out), { recursive: true, force: true });
});

describe(`npm run pack:prebuilt: the per-platform package${NATIVE_SUITE_NOTE}`, () => {
  it.skipIf(!nativeBuilt || process.platform !== 'linux')(
    'carries the addon and the oneDNN it links, found beside it, and loads from there',
    { timeout: 120_000 },
    async () => {
      const run = spawnSync(process.execPath, [path.join(scripts, 'prebuild.mjs'), '--out', out], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const manifest = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8')) as {
        name: string;
        os: string[];
        cpu: string[];
        files: string[];
      };
      expect(manifest.name).toBe(PREBUILT_PACKAGE);
      expect(manifest).toMatchObject({ os: [process.platform], cpu: [process.arch] });
      expect(manifest.files).toContain('ssdet_native.node');
      const libdnnl = manifest.files.find((file) => file.startsWith('libdnnl.so'));
      expect(libdnnl).toBeDefined();

      // The copy resolves oneDNN from its own directory (the $ORIGIN rpath), not the system's.
      const addon = path.join(out, 'ssdet_native.node');
      const ldd = execFileSync('ldd', [addon], { encoding: 'utf8' });
      expect(ldd).toContain(`${libdnnl} => ${path.join(out, libdnnl!)}`);
      // And a fresh process loads it and reaches oneDNN through it.
      const version = execFileSync(
        process.execPath,
        ['-e', `process.stdout.write(require(${JSON.stringify(addon)}).onednnVersion())`],
        { encoding: 'utf8' },
      );
      expect(version).toMatch(/^\d+\.\d+/);
    },
  );
});
