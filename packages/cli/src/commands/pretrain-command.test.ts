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

  it('an unknown method lists the installed ones', async () => {
    const io = await ssdet(project, 'pretrain', '--method', 'nope', '--demo');
    expect(io.code).toBe(1);
    expect(io.err).toMatch(/No plugin provides the method "nope"\. Available: .*toy/);
  });
});
