import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CORE_VERSION_STRING } from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlugin } from './generate.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('new-plugin generator', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'ssdet-new-plugin-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('scaffolds packages/plugin-<name> in a repository, with a changeset and a build reference', async () => {
    const root = path.join(scratch, 'repo');
    await mkdir(root, { recursive: true });
    await writeFile(
      path.join(root, 'tsconfig.build.json'),
      JSON.stringify({ files: [], references: [{ path: 'packages/core' }] }),
    );

    const result = await generatePlugin({
      method: 'contrast-twice',
      coreVersion: '0.3.1',
      repoRoot: root,
    });

    expect(result.dir).toBe(path.join(root, 'packages', 'plugin-contrast-twice'));
    const manifest = JSON.parse(
      await readFile(path.join(result.dir, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: '@ssdet/plugin-contrast-twice',
      ssdet: { plugin: true },
      peerDependencies: { '@ssdet/core': '^0.3.1', '@tensorflow/tfjs-core': '4.22.0' },
    });
    expect(await readFile(path.join(result.dir, 'src', 'index.ts'), 'utf8')).toMatch(
      /export const plugin = definePlugin\(\{\n {2}name: 'contrast-twice'/,
    );
    expect(
      await readFile(path.join(root, '.changeset', 'plugin-contrast-twice-initial.md'), 'utf8'),
    ).toMatch(/'@ssdet\/plugin-contrast-twice': minor/);
    const build = JSON.parse(await readFile(path.join(root, 'tsconfig.build.json'), 'utf8')) as {
      references: { path: string }[];
    };
    expect(build.references.map((reference) => reference.path)).toEqual([
      'packages/core',
      'packages/plugin-contrast-twice',
    ]);

    await expect(
      generatePlugin({ method: 'contrast-twice', coreVersion: '0.3.1', repoRoot: root }),
    ).rejects.toThrow(/already holds a package/);
    await expect(
      generatePlugin({ method: 'Bad_Name', coreVersion: '0.3.1', repoRoot: root }),
    ).rejects.toThrow(/lowercase letters/);
  });

  it('a stand-alone package type-checks against the built core and passes its own tests', async () => {
    if (!existsSync(path.join(repoRoot, 'packages', 'core', 'dist', 'index.js'))) {
      throw new Error(
        'This test uses the built @ssdet/core, as a third party would: run `npm run build` first (npm test does).',
      );
    }
    const dir = path.join(scratch, 'third-party', 'ssdet-plugin-blob-contrast');
    await generatePlugin({
      method: 'blob-contrast',
      coreVersion: CORE_VERSION_STRING,
      outDir: dir,
    });
    // Stands in for `npm install` in the new package: everything it needs is in the repo's node_modules.
    await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

    await run(
      process.execPath,
      [
        path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.json',
        '--noEmit',
      ],
      { cwd: dir },
    );
    const tests = await run(
      process.execPath,
      [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json'],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    const report = JSON.parse(tests.stdout) as {
      numTotalTests: number;
      numPassedTests: number;
      success: boolean;
    };
    expect(report).toMatchObject({ success: true, numTotalTests: 4, numPassedTests: 4 });
  });
});
