import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBus, Logger, Rng, SsdetError, type SsdetEvent } from '@ssdet/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResNet } from '../backbones/resnet.js';
import { disposeVariables } from '../layers/named-variables.js';
import { useCpuBackend } from '../test-support/tensors.js';
import { exportStateDict } from '../weights/export-state-dict.js';
import { writeSafetensors } from '../weights/safetensors.js';
import { loadRequiredBackboneWeights } from './load-required-backbone-weights.js';

useCpuBackend();

const request = {
  method: 'Toy',
  field: 'backboneWeights',
  trainsOn: 'a frozen, pre-trained CNN',
  hint: 'Set backboneWeights to a weights file.',
};
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-required-backbone-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tiny = (seed: number) =>
  new ResNet({ depth: 18, widthMultiplier: 0.125, rng: Rng.fromSeed(seed) });

function recordingLogger(): { logger: Logger; lines: string[] } {
  const bus = new EventBus();
  const lines: string[] = [];
  bus.subscribe((event: SsdetEvent) => {
    if (event.type === 'log') lines.push(event.message);
  });
  return { logger: new Logger(bus, 'test'), lines };
}

describe('loadRequiredBackboneWeights', () => {
  it('loads every tensor and logs one line: how many, from where, which prefix was removed', async () => {
    const source = tiny(1);
    const target = tiny(2);
    const dict = new Map(
      [...exportStateDict(source)].map(([name, tensor]) => [`module.${name}`, tensor] as const),
    );
    const file = path.join(dir, 'swav.safetensors');
    await writeFile(file, writeSafetensors(dict));
    const { logger, lines } = recordingLogger();
    loadRequiredBackboneWeights(target, file, logger, { ...request, tensorsLabel: 'backbone' });
    for (const [name, variable] of source.variables()) {
      if (name.endsWith('num_batches_tracked')) continue;
      expect(Array.from(target.variables().get(name)!.dataSync()), name).toEqual(
        Array.from(variable.dataSync()),
      );
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^Toy: loaded \\d+ backbone tensors from ${file} \\(prefix "module\\." removed\\)`,
      ),
    );
    disposeVariables(source);
    disposeVariables(target);
  });

  it('keeps the random CNN for `random` and refuses a missing source, naming the method and key', () => {
    const net = tiny(3);
    const before = Array.from(net.variables().values().next().value!.dataSync());
    const { logger, lines } = recordingLogger();
    loadRequiredBackboneWeights(net, 'random', logger, request);
    expect(Array.from(net.variables().values().next().value!.dataSync())).toEqual(before);
    expect(lines).toEqual([]);
    const missing = () => loadRequiredBackboneWeights(net, undefined, logger, request);
    expect(missing).toThrow(SsdetError);
    expect(missing).toThrow(
      'Toy trains on a frozen, pre-trained CNN, and no backboneWeights was given.',
    );
    try {
      missing();
    } catch (error) {
      expect((error as SsdetError).code).toBe('PRETRAINED_BACKBONE_REQUIRED');
      expect((error as SsdetError).hint).toBe(request.hint);
    }
    disposeVariables(net);
  });
});
