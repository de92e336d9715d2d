import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssdet } from '../test-support/run-cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A third-party package that contributes the backbone `tiny-pyramid` and the region source `tiny-grid`. */
const stagesPackage = path.resolve(here, '../../test/fixtures/ssdet-stages-tiny');

let project: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'ssdet-cli-stages-'));
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('stages contributed by a third-party package', () => {
  it('`ssdet plugins` lists what each package contributes', async () => {
    const io = await ssdet(project, 'plugins', '--plugin', stagesPackage, '--json');
    expect(io.code).toBe(0);
    const listing = JSON.parse(io.out) as {
      plugins: { name: string; method: boolean; contributes: Record<string, string[]> }[];
      stages: { kind: string; name: string; package: string }[];
    };
    const tiny = listing.plugins.find((plugin) => plugin.name === 'stages-tiny');
    expect(tiny).toMatchObject({
      method: false,
      contributes: { backbones: ['tiny-pyramid'], regionSources: ['tiny-grid'] },
    });
    expect(listing.plugins.find((plugin) => plugin.name === 'densecl')?.method).toBe(true);
    const stage = (kind: string, name: string) =>
      listing.stages.find((row) => row.kind === kind && row.name === name)?.package;
    expect(stage('backbones', 'tiny-pyramid')).toBe('ssdet-stages-tiny');
    expect(stage('regionSources', 'tiny-grid')).toBe('ssdet-stages-tiny');
    expect(stage('backbones', 'resnet50')).toBe('@ssdet/nn');
    expect(stage('regionSources', 'selective-search')).toBe('@ssdet/proposals');
    expect(stage('viewRecipes', 'mocov2')).toBe('@ssdet/data');

    const text = await ssdet(project, 'plugins', '--plugin', stagesPackage);
    expect(text.out).toMatch(/stages-tiny .*backbones tiny-pyramid; region sources tiny-grid/);
  });

  it('DenseCL trains its demo on the contributed backbone (--backbone)', async () => {
    const io = await ssdet(
      project,
      'pretrain',
      '--method',
      'densecl',
      '--demo',
      '--plugin',
      stagesPackage,
      '--backbone',
      'tiny-pyramid',
      '--max-steps',
      '3',
      '--out',
      'runs/densecl-tiny',
    );
    expect(io.err).not.toMatch(/\n\s+at /);
    expect(io.code).toBe(0);
    expect(io.out).toMatch(/Finished at step 3\/3/);
    const runDir = path.join(project, 'runs', 'densecl-tiny');
    const backbone = readSafetensors(
      new Uint8Array(await readFile(path.join(runDir, 'backbone.safetensors'))),
      'backbone.safetensors',
    );
    // The tiny pyramid's own names and shapes (OIHW): conv0 is 3×3, 3 → 8 channels at width 1/8.
    expect([...backbone.tensors.keys()].sort()).toEqual(
      ['conv0', 'conv1', 'conv2', 'conv3'].flatMap((conv) => [`${conv}.bias`, `${conv}.weight`]),
    );
    expect(backbone.tensors.get('conv0.weight')?.shape).toEqual([8, 3, 3, 3]);
    expect(await readFile(path.join(runDir, 'config.yaml'), 'utf8')).toMatch(/arch: tiny-pyramid/);
  });

  it('SoCo takes its proposals from the contributed region source (regions.algorithm)', async () => {
    const cacheDir = path.join(project, 'region-cache');
    const io = await ssdet(
      project,
      'pretrain',
      '--method',
      'soco',
      '--demo',
      '--plugin',
      stagesPackage,
      '--set',
      'regions.algorithm=tiny-grid',
      '--set',
      'regions.parameters.tiny-grid.cells=3',
      '--set',
      `regions.cacheDir=${cacheDir}`,
      '--max-steps',
      '3',
      '--out',
      'runs/soco-grid',
    );
    expect(io.err).not.toMatch(/\n\s+at /);
    expect(io.code).toBe(0);
    expect(io.out).toMatch(/Finished at step 3\/3/);
    // Every cached proposal set was computed by tiny-grid: 1 + 3 × 3 boxes per image.
    const entries = (await readdir(cacheDir, { recursive: true })).filter((name) =>
      name.endsWith('.regions'),
    );
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      const bytes = await readFile(path.join(cacheDir, entry));
      expect(bytes.includes(Buffer.from('tiny-grid'))).toBe(true);
    }
  });

  it('an unknown backbone or region source fails in one line naming what is available', async () => {
    const backbone = await ssdet(
      project,
      'pretrain',
      '--method',
      'densecl',
      '--demo',
      '--backbone',
      'resnet-nope',
      '--out',
      'runs/nope',
    );
    expect(backbone.code).not.toBe(0);
    expect(backbone.err).not.toMatch(/\n\s+at /);
    expect(backbone.err).toMatch(
      /densecl: backbone\.arch: no backbone named "resnet-nope" is registered; available: .*resnet18, resnet34, resnet50/,
    );
    const regions = await ssdet(
      project,
      'pretrain',
      '--method',
      'soco',
      '--demo',
      '--set',
      'regions.algorithm=tiny-grid',
      '--out',
      'runs/nope-regions',
    );
    expect(regions.code).not.toBe(0);
    expect(regions.err).toMatch(/soco: regions\.algorithm: no region source named "tiny-grid"/);
  });
});
