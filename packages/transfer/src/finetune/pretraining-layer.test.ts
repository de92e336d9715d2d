import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pretrainingLayer } from './run-finetune.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ssdet-pretraining-layer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(name: string, config: string): Promise<string> {
  const runDir = path.join(dir, name);
  await mkdir(runDir, { recursive: true });
  await writeFile(path.join(runDir, 'config.yaml'), config);
  return runDir;
}

describe('pretrainingLayer: what an --init run fixes for fine-tuning', () => {
  it('a Deformable DETR run (DETReg, ProSeCo, Siamese DETR) names its detector and shape', async () => {
    const init = await run(
      'detreg',
      [
        'method: detreg',
        'detector: deformable-detr',
        'backbone: { arch: resnet18, widthMultiplier: 0.125 }',
        'numQueries: 30',
        'transformer: { dModel: 32, numHeads: 4, dimFeedforward: 64, encoderLayers: 2, decoderLayers: 2, numPoints: 2, dropout: 0.1 }',
      ].join('\n'),
    );
    expect(await pretrainingLayer(init)).toEqual({
      detector: 'deformable-detr',
      backbone: { arch: 'resnet18', widthMultiplier: 0.125 },
      deformableDetr: {
        dModel: 32,
        numHeads: 4,
        dimFeedforward: 64,
        encoderLayers: 2,
        decoderLayers: 2,
        dropout: 0.1,
        numPoints: 2,
        numQueries: 30,
      },
    });
  });

  it('a DETR run without a detector key (UP-DETR) is DETR, pre-norm carried over', async () => {
    const init = await run(
      'updetr',
      'method: updetr\nbackbone: { arch: resnet50 }\nnumQueries: 100\ntransformer: { dModel: 256, preNorm: true }\n',
    );
    const layer = await pretrainingLayer(init);
    expect(layer['detector']).toBe('detr');
    expect(layer['detr']).toEqual({ dModel: 256, preNorm: true, numQueries: 100 });
  });

  it('a CNN run fixes only the backbone; random init fixes nothing', async () => {
    const init = await run('densecl', 'method: densecl\nbackbone: { arch: resnet50 }\n');
    expect(await pretrainingLayer(init)).toEqual({ backbone: { arch: 'resnet50' } });
    expect(await pretrainingLayer('random')).toEqual({});
  });
});
