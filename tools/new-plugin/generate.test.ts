import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlugin } from './generate.js';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const ssdetBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'ssdet.js');

/** These tests use the built packages, as a third party would. */
function requireBuild(...packages: string[]): void {
  const missing = packages.filter(
    (name) => !existsSync(path.join(repoRoot, 'packages', name, 'dist', 'index.js')),
  );
  if (missing.length > 0)
    throw new Error(
      `This test uses the built ${missing.join(', ')}: run \`npm run build\` first (npm test does).`,
    );
}

/** Stands in for `npm install` in a copy of this repository's root: its node_modules, linked. */
async function linkNodeModules(dir: string): Promise<void> {
  const source = path.join(repoRoot, 'node_modules');
  const target = path.join(dir, 'node_modules');
  for (const entry of await readdir(source)) {
    if (entry.startsWith('@')) {
      await mkdir(path.join(target, entry), { recursive: true });
      for (const scoped of await readdir(path.join(source, entry)))
        await symlink(path.join(source, entry, scoped), path.join(target, entry, scoped), 'dir');
    } else {
      await mkdir(target, { recursive: true });
      await symlink(path.join(source, entry), path.join(target, entry), 'dir');
    }
  }
}

interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    { name: string; strategy: { matrix: { core: string[] } }; steps: WorkflowStep[] }
  >;
}

describe('new-plugin generator', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'ssdet-new-plugin-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('scaffolds packages/plugin-<name> in a repository, with a changeset and a build reference', async () => {
    const root = path.join(scratch, 'bare-repo');
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

    const dir = path.join(root, 'packages', 'plugin-contrast-twice');
    expect(result.dir).toBe(dir);
    expect(result.files.map((file) => path.relative(dir, file)).sort()).toEqual([
      '../../.changeset/plugin-contrast-twice-initial.md',
      'README.md',
      'package.json',
      'src/config.ts',
      'src/encoder.ts',
      'src/index.ts',
      'src/losses/regression-loss.ts',
      'src/method.test.ts',
      'src/method.ts',
      'src/plugin.test.ts',
      'src/plugin.ts',
      'src/run.test.ts',
      'src/version.ts',
      'src/views.ts',
      'tsconfig.json',
      'vitest.config.ts',
    ]);
    const read = (relative: string) => readFile(path.join(dir, relative), 'utf8');
    const manifest = JSON.parse(await read('package.json')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: '@ssdet/plugin-contrast-twice',
      version: '0.1.0',
      ssdet: { plugin: true },
      exports: { '.': { '@ssdet/source': './src/index.ts' } },
      dependencies: {
        '@ssdet/data': expect.stringMatching(/^\^\d/),
        '@ssdet/nn': expect.stringMatching(/^\^\d/),
      },
      peerDependencies: { '@ssdet/core': '^0.3.1', '@tensorflow/tfjs-core': '4.22.0' },
    });
    expect(JSON.parse(await read('tsconfig.json'))).toMatchObject({
      extends: '../../tsconfig.base.json',
      references: [{ path: '../core' }, { path: '../data' }, { path: '../nn' }],
    });

    // The shipped plugins' shape: names filled in, version from package.json, train settings,
    // shared views, nn's losses through core's Loss interface.
    const plugin = await read('src/plugin.ts');
    expect(plugin).toMatch(/export const plugin = definePlugin\(\{\n {2}name: 'contrast-twice',/);
    expect(plugin).toContain('version: PLUGIN_VERSION,');
    expect(plugin).toContain("coreRange: '^0.3.1',");
    expect(plugin).toContain('includes: [nnPlugin, dataPlugin],');
    expect(plugin).toContain(
      'export const CONTRAST_TWICE_CONFIG = pluginConfigToken<ContrastTwiceConfig>',
    );
    expect(await read('src/version.ts')).toContain('packageVersion(import.meta.url)');
    expect(await read('src/config.ts')).toMatch(/train: trainingConfigWithDefaults\(\{/);
    expect(await read('src/views.ts')).toMatch(/buildViews\(\s*run,\s*'byol',/);
    expect(await read('src/losses/regression-loss.ts')).toMatch(
      /import \{ normalizedRegressionLoss \} from '@ssdet\/nn';[\s\S]*implements Loss<RegressionInputs>/,
    );
    expect(await read('src/method.ts')).toContain('combineLosses([');
    expect(await read('src/run.test.ts')).toContain('runPretraining(');
    for (const file of result.files) expect(await readFile(file, 'utf8')).not.toMatch(/__\w+__/);

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
    await expect(generatePlugin({ method: 'Bad_Name', repoRoot: root })).rejects.toThrow(
      /lowercase letters/,
    );
  });

  describe('a stand-alone package', () => {
    let dir: string;

    beforeAll(async () => {
      dir = path.join(scratch, 'third-party', 'ssdet-plugin-blob-contrast');
      await generatePlugin({ method: 'blob-contrast', outDir: dir });
      // Stands in for `npm install` in the new package: everything it needs is in the repo's node_modules.
      await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    });

    it(
      'type-checks against the built core and passes its own suite, which trains 3 steps through runPretraining',
      { timeout: 180_000 },
      async () => {
        requireBuild('core', 'data', 'nn');
        await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir });
        const tests = await run(
          process.execPath,
          [path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=json'],
          { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
        );
        const report = JSON.parse(tests.stdout) as {
          numTotalTests: number;
          numPassedTests: number;
          success: boolean;
          testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
        };
        expect(report).toMatchObject({ success: true, numTotalTests: 8, numPassedTests: 8 });
        const runFile = report.testResults.find((file) => file.name.endsWith('src/run.test.ts'));
        expect(runFile?.assertionResults).toEqual([
          expect.objectContaining({
            title: 'trains 3 steps, logs and checkpoints them, and exports a torchvision backbone',
            status: 'passed',
          }),
        ]);
      },
    );

    it('carries a CI workflow that tests the lowest and the highest @ssdet/core of its peer range', async () => {
      const workflow = parseYaml(
        await readFile(path.join(dir, '.github', 'workflows', 'ci.yml'), 'utf8'),
      ) as Workflow;
      expect(Object.keys(workflow.on)).toEqual(
        expect.arrayContaining(['push', 'pull_request', 'schedule']),
      );
      const job = workflow.jobs['test']!;
      expect(job.strategy.matrix.core).toEqual(['lowest', 'highest']);
      const stepNames = (leg: string) =>
        job.steps.map((step) =>
          (step.name ?? step.run ?? step.uses)!.replace('${{ matrix.core }}', leg),
        );
      expect(stepNames('lowest')).toContain('Resolve the lowest @ssdet/core of the peer range');
      expect(stepNames('highest')).toContain('Resolve the highest @ssdet/core of the peer range');
      const resolve = job.steps.find((step) => step.id === 'core')!;
      expect(resolve.run).toContain('node scripts/core-versions.mjs ${{ matrix.core }}');
      const commands = job.steps.map((step) => step.run ?? '');
      const install = commands.findIndex((command) =>
        command.includes('"@ssdet/core@${{ steps.core.outputs.version }}"'),
      );
      expect(install).toBeGreaterThan(job.steps.indexOf(resolve));
      expect(commands.indexOf('npm test')).toBeGreaterThan(install);
      expect(commands).toEqual(expect.arrayContaining(['npm run typecheck', 'npm run build']));

      // The script the workflow resolves the versions with.
      const { coreVersions } = (await import(
        pathToFileURL(path.join(dir, 'scripts', 'core-versions.mjs')).href
      )) as { coreVersions: (range: string, published: string[]) => Record<string, string> };
      const published = ['0.0.9', '0.1.0', '0.1.10', '0.1.9', '0.2.0', '0.1.11-rc.1', '1.0.0'];
      expect(coreVersions('^0.1.0', published)).toEqual({ lowest: '0.1.0', highest: '0.1.10' });
      expect(coreVersions('>=0.1.2 <2', published)).toEqual({ lowest: '0.1.9', highest: '1.0.0' });
      expect(() => coreVersions('^3.0.0', published)).toThrow(
        /No published @ssdet\/core satisfies \^3\.0\.0/,
      );
    });
  });

  it(
    '`npm run new-plugin -- foo`, then `ssdet pretrain --method foo --demo --max-steps 3` trains',
    { timeout: 180_000 },
    async () => {
      requireBuild('core', 'data', 'nn', 'cli');
      // A copy of this repository's root with the generator; core, data, nn and what data's
      // project references (backend-native, for its optional image kernels' types) are the real
      // (built) ones.
      const repo = path.join(scratch, 'repo');
      await mkdir(path.join(repo, 'packages'), { recursive: true });
      for (const file of [
        'package.json',
        'tsconfig.base.json',
        'tsconfig.build.json',
        '.prettierrc.json',
        'vitest.shared.ts',
      ])
        await copyFile(path.join(repoRoot, file), path.join(repo, file));
      await cp(path.join(repoRoot, 'tools', 'new-plugin'), path.join(repo, 'tools', 'new-plugin'), {
        recursive: true,
        filter: (source) => !source.endsWith('.test.ts'),
      });
      await linkNodeModules(repo);
      for (const name of ['core', 'data', 'nn', 'backend-native'])
        await symlink(
          path.join(repoRoot, 'packages', name),
          path.join(repo, 'packages', name),
          'dir',
        );

      const generated = await run('npm', ['run', 'new-plugin', '--', 'foo'], { cwd: repo });
      expect(generated.stdout).toContain(path.join('packages', 'plugin-foo', 'src', 'method.ts'));
      const pluginDir = path.join(repo, 'packages', 'plugin-foo');
      const build = JSON.parse(await readFile(path.join(repo, 'tsconfig.build.json'), 'utf8')) as {
        references: { path: string }[];
      };
      expect(build.references.at(-1)).toEqual({ path: 'packages/plugin-foo' });

      // `npm install` links the new package; `npm run build` builds it (tsc, its project alone here).
      await symlink(pluginDir, path.join(repo, 'node_modules', '@ssdet', 'plugin-foo'), 'dir');
      await run(process.execPath, [tsc, '-p', path.join(pluginDir, 'tsconfig.json')], {
        cwd: repo,
      });

      const runDir = path.join(scratch, 'runs', 'foo');
      const trained = await run(
        process.execPath,
        [
          ssdetBin,
          'pretrain',
          '--method',
          'foo',
          '--demo',
          '--max-steps',
          '3',
          '--backend',
          'cpu',
          '--out',
          runDir,
        ],
        {
          cwd: repo,
          env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: path.join(scratch, 'cache') },
          maxBuffer: 64 * 1024 * 1024,
        },
      ).catch((error: { code: number; stdout: string; stderr: string }) => {
        throw new Error(`ssdet exited with ${error.code}:\n${error.stdout}\n${error.stderr}`);
      });
      expect(trained.stdout).toMatch(/Finished at step 3\/3, loss \d+\.\d{4}\./);
      // A loss that rounds to 0.0000 would mean the scaffold's objective is trivially solved.
      const finalLoss = Number(/loss (\d+\.\d{4})\./.exec(trained.stdout)?.[1]);
      expect(finalLoss).toBeGreaterThan(0.001);
      expect(trained.stderr).not.toMatch(/refused/);
      expect(trained.stderr).toMatch(/step 3\/3 epoch \d loss \d+\.\d+ \(regression \d+\.\d+\)/);

      const metrics = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
        .trim()
        .split('\n');
      expect(metrics).toHaveLength(3);
      expect(parseYaml(await readFile(path.join(runDir, 'config.yaml'), 'utf8'))).toMatchObject({
        method: 'foo',
        plugin: { version: '0.1.0' },
        train: { maxSteps: 3 },
      });
      // backbone.safetensors: an 8-byte header length, then a JSON header naming the tensors.
      const weights = await readFile(path.join(runDir, 'backbone.safetensors'));
      const headerLength = Number(weights.readBigUInt64LE(0));
      const header = JSON.parse(weights.subarray(8, 8 + headerLength).toString('utf8')) as object;
      const names = Object.keys(header);
      expect(names).toEqual(expect.arrayContaining(['conv1.weight', 'layer4.1.bn2.running_var']));
      expect(names.filter((name) => /online|projector|predictor|target/.test(name))).toEqual([]);
    },
  );
});
