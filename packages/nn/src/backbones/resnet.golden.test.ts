import { Rng } from '@ssdet/core';
import { readReferenceFixture, readReferenceJson, relativeError } from '@ssdet/test-support';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { formulaValues, unitValues } from '../test-support/golden-weights.js';
import { useCpuBackend } from '../test-support/tensors.js';
import { nhwcToNchw, ssdetShapeOf, torchToSsdetLayout } from '../test-support/torch-layout.js';
import { ResNet, type ResNetDepth } from './resnet.js';

/*
 * Golden checks against torchvision 0.14 (fixtures by tools/reference/nn-modules/make_resnet_golden.py).
 * Error measure: relative L2, ‖ours − torchvision‖₂ / ‖torchvision‖₂, over a whole tensor.
 */

useCpuBackend();

interface GoldenEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
}
interface GoldenManifest {
  readonly input: { readonly name: string; readonly shape: [number, number, number, number] };
  readonly files: Record<string, GoldenEntry[]>;
}
interface StateDicts {
  readonly models: Record<string, [string, number[]][]>;
}

const manifest = readReferenceJson<GoldenManifest>('nn-modules', 'resnet-golden.json');
const stateDicts = readReferenceJson<StateDicts>('nn-modules', 'resnet-state-dicts.json');

function golden(file: string): Map<string, tf.Tensor> {
  const bytes = readReferenceFixture('nn-modules', file);
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Map(
    manifest.files[file]!.map((entry) => {
      const size = entry.shape.reduce((a, b) => a * b, 1);
      return [entry.name, tf.tensor(floats.slice(entry.offset, entry.offset + size), entry.shape)];
    }),
  );
}

/** torchvision's state_dict as (name, shape) pairs, without the classifier. */
function torchvisionEntries(depth: ResNetDepth): [string, number[]][] {
  return stateDicts.models[`resnet${depth}`]!.filter(([name]) => !name.startsWith('fc.'));
}

/** A full-size ssdet ResNet holding the formula weights, converted from PyTorch layout. */
function formulaResNet(depth: ResNetDepth): ResNet {
  const net = new ResNet({ depth, rng: Rng.fromSeed(0) });
  const variables = net.variables();
  for (const [name, torchShape] of torchvisionEntries(depth)) {
    if (name.endsWith('num_batches_tracked')) continue;
    const converted = torchToSsdetLayout(formulaValues(name, torchShape), torchShape);
    variables.get(name)!.assign(converted);
    converted.dispose();
  }
  return net;
}

function formulaInput(): tf.Tensor4D {
  const { name, shape } = manifest.input;
  return tf.tidy(() =>
    tf.transpose(
      tf.tensor4d(
        Float32Array.from(
          unitValues(
            name,
            shape.reduce((a, b) => a * b, 1),
          ),
        ),
        shape,
      ),
      [0, 2, 3, 1],
    ),
  );
}

describe('ResNet against torchvision', () => {
  it.each([18, 34, 50] as const)(
    'has resnet%i’s state_dict names and shapes, in ssdet layout',
    (depth) => {
      const ours = [
        ...new ResNet({ depth, widthMultiplier: 1 / 64, rng: Rng.fromSeed(0) }).variables().keys(),
      ];
      expect(ours).toEqual(torchvisionEntries(depth).map(([name]) => name));
    },
  );

  it('resnet50 has torchvision’s shapes and, in eval mode, its C4 and C5 within 1e-4 (relative L2)', () => {
    const net = formulaResNet(50);
    const variables = net.variables();
    for (const [name, torchShape] of torchvisionEntries(50)) {
      expect(variables.get(name)!.shape, name).toEqual(ssdetShapeOf(torchShape));
    }
    const expected = golden('resnet50-eval.bin');
    expect([...expected.keys()]).toEqual(['C4', 'C5']);
    const maps = net.forward(formulaInput(), { training: false });
    for (const [level, reference] of expected) {
      const error = relativeError(nhwcToNchw(maps[level]!), reference, 'l2');
      expect(error, `${level}: relative error ${error}`).toBeLessThan(1e-4);
    }
    tf.dispose([...variables.values()]);
  });

  it('resnet18 gives torchvision’s C2…C5 in eval mode, then its C5 and running statistics in training mode', () => {
    const net = formulaResNet(18);
    const input = formulaInput();
    const expectedEval = golden('resnet18-eval.bin');
    expect([...expectedEval.keys()]).toEqual(['C2', 'C3', 'C4', 'C5']);
    const evalMaps = net.forward(input, { training: false });
    for (const [level, reference] of expectedEval) {
      const error = relativeError(nhwcToNchw(evalMaps[level]!), reference, 'l2');
      expect(error, `eval ${level}: relative error ${error}`).toBeLessThan(1e-4);
    }

    const expected = golden('resnet18-train.bin');
    const maps = net.forward(input, { training: true });
    const variables = net.variables();
    const c5Error = relativeError(nhwcToNchw(maps.C5!), expected.get('C5')!, 'l2');
    expect(c5Error, `train C5: relative error ${c5Error}`).toBeLessThan(1e-4);
    let checked = 0;
    for (const [name, reference] of expected) {
      if (name === 'C5') continue;
      const error = relativeError(variables.get(name)!, reference, 'l2');
      expect(error, `${name}: relative error ${error}`).toBeLessThan(1e-4);
      checked++;
    }
    expect(checked).toBe(40); // 20 BatchNorms × (running_mean, running_var)
    expect(variables.get('layer4.1.bn2.num_batches_tracked')!.dataSync()[0]).toBe(1);
    tf.dispose([...variables.values()]);
  });
});
