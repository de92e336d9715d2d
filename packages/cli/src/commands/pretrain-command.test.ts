import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticDataset } from '@ssdet/data';
import { readPth, readSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSDET_BIN as bin, ssdet } from '../test-support/run-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const toyPlugin = path.resolve(here, '../../../data/src/test-support/toy-plugin.mjs');

let project: string;
let data: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'ssdet-cli-pretrain-'));
  // A third-party plugin package installed in the project, re-exporting the core's toy method.
  const pkg = path.join(project, 'node_modules', 'ssdet-plugin-toy');
  await mkdir(pkg, { recursive: true });
  await writeFile(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: 'ssdet-plugin-toy',
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
      ssdet: { plugin: true },
    }),
  );
  await writeFile(
    path.join(pkg, 'index.js'),
    `export { plugin } from ${JSON.stringify(toyPlugin)};\n`,
  );
  data = (
    await writeSyntheticDataset({
      out: path.join(project, 'data'),
      count: 8,
      width: 48,
      height: 40,
      seed: 1,
    })
  ).annotationFile;
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('ssdet pretrain / export / report', () => {
  it('trains, writes the run directory, exports the backbone, and reports', async () => {
    const io = await ssdet(
      project,
      'pretrain',
      '--method',
      'toy',
      '--data',
      data,
      '--max-steps',
      '3',
      '--out',
      'runs/first',
      '--backend',
      'cpu',
      '--seed',
      '3',
    );
    expect(io.err).not.toMatch(/\n\s+at /);
    expect(io.code).toBe(0);
    const runDir = path.join(project, 'runs', 'first');
    expect(io.out).toMatch(/Finished at step 3\/3, loss \d\.\d{4}\./);
    expect(io.out).toContain(path.join(runDir, 'backbone.safetensors'));
    expect(io.err).toMatch(/tensor backend: cpu/);
    expect(io.err).toMatch(/step 3\/3 epoch \d loss/);
    const files = await readdir(runDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'config.yaml',
        'metrics.jsonl',
        'checkpoints',
        'views',
        'backbone.safetensors',
      ]),
    );
    expect(files.some((file) => file.startsWith('events.out.tfevents.'))).toBe(true);
    expect(await readFile(path.join(runDir, 'config.yaml'), 'utf8')).toMatch(
      /method: toy[\s\S]*seed: 3/,
    );

    const backbone = readSafetensors(
      new Uint8Array(await readFile(path.join(runDir, 'backbone.safetensors'))),
      'backbone.safetensors',
    );
    // HWIO [3,3,3,4] in ssdet → OIHW [4,3,3,3] for PyTorch.
    expect(backbone.tensors.get('conv1.weight')?.shape).toEqual([4, 3, 3, 3]);

    const exported = await ssdet(
      project,
      'export',
      '--run',
      'runs/first',
      '--format',
      'torchvision',
      '--out',
      'exports/toy.pth',
    );
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(/Wrote backbone \(1 tensors, step 3\) as torchvision/);
    expect(exported.err).not.toMatch(/Hi, looks like you are running TensorFlow\.js/);
    const pth = readPth(
      new Uint8Array(await readFile(path.join(project, 'exports', 'toy.pth'))),
      'toy.pth',
    );
    expect([...pth.keys()]).toEqual(['conv1.weight']);
    expect(Array.from(pth.get('conv1.weight')!.data)).toEqual(
      Array.from(backbone.tensors.get('conv1.weight')!.data),
    );

    expect((await ssdet(project, 'report', 'runs/first')).code).toBe(0);
    expect(await readFile(path.join(runDir, 'report.html'), 'utf8')).toMatch(/<svg/);
  });

  it('SIGTERM writes a checkpoint and exits cleanly; --resume continues from it', async () => {
    const child = spawn(
      process.execPath,
      [
        bin,
        'pretrain',
        '--method',
        'toy',
        '--data',
        data,
        '--max-steps',
        '200',
        '--out',
        'runs/stopped',
        '--backend',
        'cpu',
      ],
      { cwd: project },
    );
    let err = '';
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (/checkpoint .*step-000000002\.ckpt/.test(err)) resolve();
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGTERM: finishing the current step and writing a checkpoint/);
    const stoppedAt = Number(/Stopped at step (\d+)\/200/.exec(out)?.[1]);
    expect(stoppedAt).toBeGreaterThanOrEqual(2);
    expect(out).toMatch(/continue with --resume/);
    const resumed = await ssdet(
      project,
      'pretrain',
      '--method',
      'toy',
      '--data',
      data,
      '--max-steps',
      String(stoppedAt + 2),
      '--out',
      'runs/stopped',
      '--resume',
      '--backend',
      'cpu',
    );
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(
      new RegExp(`resumed from .*step-0*${stoppedAt}\\.ckpt at step ${stoppedAt}`),
    );
  });

  it('config errors exit 2 and name the key', async () => {
    const io = await ssdet(
      project,
      'pretrain',
      '--method',
      'toy',
      '--data',
      data,
      '--set',
      'train.batchSize=lots',
      '--out',
      'runs/bad',
    );
    expect(io.code).toBe(2);
    expect(io.err).toMatch(/train\.batchSize: got "lots"; expected number/);
    expect(
      (await ssdet(project, 'pretrain', '--method', 'toy', '--data', data, '--batch-size', '0'))
        .code,
    ).toBe(2);
  });

  it('usage errors exit 2: an unknown method (listing the installed ones), a YAML syntax error, no --data', async () => {
    const io = await ssdet(project, 'pretrain', '--method', 'nope', '--demo');
    expect(io.code).toBe(2);
    expect(io.err).toMatch(/No plugin provides the method "nope"\. Available: .*toy/);
    await writeFile(path.join(project, 'broken.yaml'), 'train: {batchSize: 2\n');
    const yaml = await ssdet(
      project,
      'pretrain',
      '--method',
      'toy',
      '--data',
      data,
      '--config',
      'broken.yaml',
    );
    expect(yaml.code).toBe(2);
    expect(yaml.err).toMatch(/^error: --config .*broken\.yaml: /);
    const noData = await ssdet(project, 'pretrain', '--method', 'toy');
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/--data <folder \| coco\.json \| list\.txt>, or --demo/);
    for (const run of [io, yaml, noData]) expect(run.err).not.toMatch(/\n\s+at /);
  });

  it('a used, locked or impossible --out is refused in one line, before anything is written', async () => {
    const args = [
      'pretrain',
      '--method',
      'toy',
      '--data',
      data,
      '--max-steps',
      '1',
      '--backend',
      'cpu',
    ];
    expect((await ssdet(project, ...args, '--out', 'runs/once')).code).toBe(0);
    const again = await ssdet(project, ...args, '--out', 'runs/once');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(
      /^error: --out .*once is not empty \(.*\); a new run there would mix/,
    );
    expect(again.err).toMatch(
      /hint: Pass --resume to continue the run in it, --force to replace it/,
    );
    const forced = await ssdet(project, ...args, '--out', 'runs/once', '--force', '--seed', '9');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/--force: removed the previous run's/);

    const resumed = await ssdet(
      project,
      ...args,
      '--out',
      'runs/once',
      '--resume',
      '--batch-size',
      '2',
    );
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(
      /^Nothing to train: the run is already at step 1\/1\. Pass --resume --max-steps N/,
    );
    expect(resumed.out).not.toMatch(/NaN/);
    expect(resumed.err).toMatch(/ignored: --batch-size 2\./);

    await writeFile(path.join(project, 'a-file'), 'x');
    const file = await ssdet(project, ...args, '--out', 'a-file');
    expect(file.code).toBe(2);
    expect(file.err).toBe(
      `error: --out ${path.join(project, 'a-file')} is a file, not a directory.\nhint: Choose another --out: a new or empty folder.\n`,
    );
    const under = await ssdet(project, ...args, '--out', 'a-file/run');
    expect(under.code).toBe(1);
    expect(under.err).toMatch(
      /^error: Cannot .*a-file\/run: a part of the path is a file, not a directory \(ENOTDIR\)\.\n/,
    );
    expect(under.err).not.toMatch(/internal error|\n\s+at /);
    const exported = await ssdet(
      project,
      'export',
      '--run',
      'runs/once',
      '--out',
      'a-file/x.safetensors',
    );
    expect(exported.code).toBe(1);
    expect(exported.err).toMatch(/^error: Cannot .*a-file.*\((EEXIST|ENOTDIR)\)\.\n/);
    expect(exported.err).not.toMatch(/internal error|\n\s+at /);
  });
});
