import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * "Install only the methods you need", as a user outside this repository does it: the packed
 * tarballs of the CLI, the packages it needs and one method plugin (DenseCL), installed into an
 * empty project from the registry for everything else — no other plugin, no native backend.
 * Slow (an `npm install`), so it runs once, in CI's `npm test`; SSDET_SKIP_PACKED_INSTALL=1 skips it.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PACKAGES = ['core', 'data', 'nn', 'proposals', 'detr', 'transfer', 'cli', 'plugin-densecl'];
const skip = process.env['SSDET_SKIP_PACKED_INSTALL'] === '1';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ssdet-packed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('packed tarballs: a project with the CLI and one method', () => {
  it.skipIf(skip)(
    'installs, lists only that method, and pre-trains its demo',
    { timeout: 600_000 },
    async () => {
      for (const name of PACKAGES)
        expect(existsSync(path.join(repo, 'packages', name, 'dist', 'index.js'))).toBe(true);
      const tarballs = path.join(dir, 'tarballs');
      await mkdir(tarballs);
      for (const name of PACKAGES)
        npm(
          ['pack', '--silent', '--pack-destination', tarballs],
          path.join(repo, 'packages', name),
        );
      const files = (await readdir(tarballs)).filter((file) => file.endsWith('.tgz'));
      expect(files).toHaveLength(PACKAGES.length);

      const project = path.join(dir, 'project');
      await mkdir(project);
      await writeFile(
        path.join(project, 'package.json'),
        `${JSON.stringify({ name: 'packed-install-check', private: true, type: 'module' })}\n`,
      );
      npm(
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
          ...files.map((file) => path.join(tarballs, file)),
        ],
        project,
      );

      const ssdet = path.join(project, 'node_modules', '.bin', 'ssdet');
      const run = (args: string[]) =>
        spawnSync(ssdet, args, {
          cwd: project,
          encoding: 'utf8',
          env: { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') },
        });
      const plugins = run(['plugins']);
      expect(plugins.status).toBe(0);
      expect(plugins.stdout).toMatch(/method densecl\b/);
      expect(plugins.stdout.match(/\bmethod \S+/g)).toEqual(['method densecl']);

      const pretrain = run([
        'pretrain',
        '--method',
        'densecl',
        '--demo',
        '--max-steps',
        '3',
        '--out',
        path.join(project, 'runs', 'demo'),
      ]);
      expect(pretrain.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
      expect(pretrain.status).toBe(0);
      expect(existsSync(path.join(project, 'runs', 'demo', 'backbone.safetensors'))).toBe(true);
    },
  );
});
