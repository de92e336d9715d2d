import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Rng, selectBackend } from '@ssdet/core';
import { exportStateDict, ResNet, writeSafetensors } from '@ssdet/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FasterRcnn } from '../detection/faster-rcnn.js';
import { initializeDetector } from './initialize-detector.js';

let dir: string;

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'ssdet-init-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const detector = (seed: number) =>
  new FasterRcnn(new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(seed) }), {
    numClasses: 3,
    fpnChannels: 8,
    representationSize: 16,
    rng: Rng.fromSeed(seed + 100),
  });

const values = (model: FasterRcnn, name: string): number[] =>
  Array.from(model.backbone.variables().get(name)!.dataSync());

describe('initializeDetector', () => {
  it('loads a torchvision-named backbone under module.encoder_q. (MoCo-style files)', async () => {
    const source = detector(1);
    const file = path.join(dir, 'moco.safetensors');
    const state = exportStateDict(source.backbone);
    await writeFile(
      file,
      writeSafetensors(new Map([...state].map(([k, v]) => [`module.encoder_q.${k}`, v]))),
    );
    const target = detector(2);
    const init = await initializeDetector(target, file);
    expect(init.scope).toBe('backbone');
    expect(values(target, 'layer1.0.conv1.weight')).toEqual(
      values(source, 'layer1.0.conv1.weight'),
    );
  });

  it('loads the backbone of a detectron2-named checkpoint (backbone.bottom_up.res2…)', async () => {
    const source = detector(3);
    const file = path.join(dir, 'detectron2.safetensors');
    const state = exportStateDict(source.backbone, { naming: 'detectron2' });
    expect([...state.keys()]).toContain('res2.0.conv1.weight');
    await writeFile(
      file,
      writeSafetensors(new Map([...state].map(([k, v]) => [`backbone.bottom_up.${k}`, v]))),
    );
    const target = detector(4);
    const init = await initializeDetector(target, file);
    expect(init.scope).toBe('backbone');
    // detectron2 files carry no `num_batches_tracked` (detectron2's FrozenBatchNorm2d has none).
    const tracked = [...source.backbone.variables().keys()].filter((name) =>
      name.endsWith('num_batches_tracked'),
    ).length;
    expect(init.loaded).toBe(source.backbone.variables().size - tracked);
    expect(values(target, 'layer2.0.downsample.0.weight')).toEqual(
      values(source, 'layer2.0.downsample.0.weight'),
    );
  });

  it('refuses a file none of whose tensors fits the backbone, naming its first entries', async () => {
    const file = path.join(dir, 'other.safetensors');
    const state = exportStateDict(detector(5).boxHead);
    await writeFile(file, writeSafetensors(state));
    await expect(initializeDetector(detector(6), file)).rejects.toThrow(
      /none of its \d+ tensors is a variable of backbone .* \(first entries: fc6/,
    );
  });
});
