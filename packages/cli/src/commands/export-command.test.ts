import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointManager, EventBus, Logger, Rng, selectBackend } from '@ssdet/core';
import { readPth, readSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { captureIo } from '../test-support/capture-io.js';

let dir: string;

/**
 * A run whose checkpoint holds what SoCo and UP-DETR export: a width-1/8 ResNet (stem of 8
 * channels) with BatchNorm step counters, an FPN and a box head with detectron2's names, and a
 * DETR part detectron2 has no place for.
 */
beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-export-'));
  const parts: Record<string, Record<string, { shape: number[]; dtype?: 'int32' }>> = {
    backbone: {
      'conv1.weight': { shape: [7, 7, 3, 8] },
      'bn1.weight': { shape: [8] },
      'bn1.running_var': { shape: [8] },
      'bn1.num_batches_tracked': { shape: [], dtype: 'int32' },
      'layer1.0.conv1.weight': { shape: [3, 3, 8, 8] },
      'layer1.0.bn1.running_mean': { shape: [8] },
      'layer1.0.bn1.num_batches_tracked': { shape: [], dtype: 'int32' },
    },
    fpn: {
      'fpn_lateral2.weight': { shape: [1, 1, 8, 4] },
      'fpn_lateral2.norm.running_mean': { shape: [4] },
      'fpn_lateral2.norm.num_batches_tracked': { shape: [], dtype: 'int32' },
    },
    head: { 'conv1.weight': { shape: [3, 3, 4, 4] }, 'fc1.weight': { shape: [16, 8] } },
    detector: { 'transformer.encoder.layers.0.linear1.weight': { shape: [4, 4] } },
  };
  const variables = new Map<string, tf.Variable>();
  const exports: Record<string, Record<string, string>> = {};
  for (const [artifact, tensors] of Object.entries(parts)) {
    exports[artifact] = {};
    for (const [name, { shape, dtype }] of Object.entries(tensors)) {
      const stored = `model/${artifact}.${name}`;
      variables.set(stored, tf.variable(tf.ones(shape, dtype ?? 'float32'), false));
      exports[artifact][name] = stored;
    }
  }
  await new CheckpointManager(
    path.join(dir, 'run', 'checkpoints'),
    1,
    new Logger(new EventBus(), 'test'),
  ).save(variables, {
    step: 7,
    epoch: 0,
    cursor: 0,
    rng: Rng.fromSeed(0).saveState(),
    config: {},
    versions: { core: '0', plugin: { name: 'soco', version: '0' } },
    exports,
    time: 0,
  });
  tf.dispose([...variables.values()]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exportRun(...args: string[]) {
  const io = captureIo(dir);
  const code = await runCli(['export', '--run', 'run', ...args], io);
  return { code, out: io.out, err: io.err };
}

describe('ssdet export', () => {
  it('detectron2: renames only the ResNet; an FPN and a box head keep their names in their place; no step counters', async () => {
    const backbone = await exportRun('--format', 'detectron2', '--out', 'r.pth');
    expect(backbone.code).toBe(0);
    const names = (file: string) =>
      readFile(path.join(dir, file)).then((bytes) => [
        ...readPth(new Uint8Array(bytes), file).keys(),
      ]);
    expect(await names('r.pth')).toEqual([
      'stem.conv1.weight',
      'stem.conv1.norm.weight',
      'stem.conv1.norm.running_var',
      'res2.0.conv1.weight',
      'res2.0.conv1.norm.running_mean',
    ]);
    expect(
      (await exportRun('--artifact', 'fpn', '--format', 'detectron2', '--out', 'f.pth')).code,
    ).toBe(0);
    expect(await names('f.pth')).toEqual([
      'backbone.fpn_lateral2.weight',
      'backbone.fpn_lateral2.norm.running_mean',
    ]);
    expect(
      (await exportRun('--artifact', 'head', '--format', 'detectron2', '--out', 'h.pth')).code,
    ).toBe(0);
    expect(await names('h.pth')).toEqual([
      'roi_heads.box_head.conv1.weight',
      'roi_heads.box_head.fc1.weight',
    ]);
  });

  it('refuses a part detectron2 has no names for, and a format the file name contradicts', async () => {
    const detr = await exportRun(
      '--artifact',
      'detector',
      '--format',
      'detectron2',
      '--out',
      'd.pth',
    );
    expect(detr.code).toBe(1);
    expect(detr.err).toMatch(
      /^error: --format detectron2 has names for a ResNet, an FPN and a box head; the "detector" artifact is none of them/,
    );
    for (const [format, out] of [
      ['detectron2', 'x.safetensors'],
      ['torchvision', 'x.safetensors'],
      ['safetensors', 'x.pth'],
    ] as const) {
      const mismatch = await exportRun('--format', format, '--out', out);
      expect(mismatch.code).toBe(2);
      expect(mismatch.err).toMatch(
        new RegExp(
          `^error: --format ${format} writes a .*, but --out .*${out.replace('.', '\\.')} is named`,
        ),
      );
    }
    const unknown = await exportRun('--artifact', 'neck', '--out', 'n.safetensors');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/exports backbone, fpn, head, detector; there is no "neck"/);
  });

  it('takes the format from the file name, warns about a narrow ResNet, and prints no tfjs banner', async () => {
    const pth = await exportRun('--out', 'tv.pth');
    expect(pth.code).toBe(0);
    expect(pth.out).toMatch(/as torchvision to .*tv\.pth/);
    expect(pth.out).toMatch(/The run also exports fpn, head, detector/);
    expect(pth.err).toMatch(
      /^warning: this is not a standard torchvision ResNet: its stem has 8 channels, not 64 \(backbone\.widthMultiplier 0\.125\)/,
    );
    expect(pth.err + pth.out).not.toMatch(/Hi, looks like/);
    // torchvision keeps the step counters.
    const stateDict = readPth(new Uint8Array(await readFile(path.join(dir, 'tv.pth'))), 'tv.pth');
    expect(stateDict.has('layer1.0.bn1.num_batches_tracked')).toBe(true);
    const safetensors = await exportRun('--out', 'b.safetensors');
    expect(safetensors.out).toMatch(/as safetensors/);
    readSafetensors(
      new Uint8Array(await readFile(path.join(dir, 'b.safetensors'))),
      'b.safetensors',
    );
    const fpn = await exportRun('--artifact', 'fpn', '--out', 'fpn.safetensors');
    expect(fpn.err).toBe('');
  });
});
