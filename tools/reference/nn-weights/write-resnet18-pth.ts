/**
 * Builds ssdet-layout variables named like torchvision's resnet18 state dict (minus `fc.*`
 * and `num_batches_tracked`, which ssdet does not hold), fills them from a formula defined in
 * torch layout, and writes them with ssdet's exporter and .pth writer. make_fixtures.py then
 * loads the file into torchvision. Entry point: write-resnet18-pth.mjs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { selectBackend, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import {
  defaultLayoutRule,
  exportStateDict,
  fromTorchLayout,
  isIgnoredTorchvisionName,
  writePth,
} from '../../../packages/nn/src/weights/index.js';

const SHAPES = new URL('../fixtures/nn-weights/resnet18-state-dict-shapes.json', import.meta.url);

/** The same formula as make_fixtures.py's formula_value, in torch (C-order) layout. */
function formulaValues(tensorIndex: number, numel: number): Float32Array {
  return Float32Array.from(
    { length: numel },
    (_, i) => Math.sin(0.001 * i + 0.1 * tensorIndex) * 0.5,
  );
}

export async function main(outPath: string): Promise<void> {
  await selectBackend({ request: 'cpu' });
  const listing = JSON.parse(readFileSync(SHAPES, 'utf8')) as { state_dict: [string, number[]][] };
  const held = listing.state_dict.filter(([name]) => !isIgnoredTorchvisionName(name));
  const variables = new Map<string, tf.Variable>();
  held.forEach(([name, torchShape], k) => {
    const numel = torchShape.reduce((a, b) => a * b, 1);
    const ssdet = fromTorchLayout(
      defaultLayoutRule(name, torchShape.length),
      formulaValues(k, numel),
      torchShape,
    );
    const trainable = !name.endsWith('running_mean') && !name.endsWith('running_var');
    variables.set(name, tf.variable(tf.tensor(ssdet.data, ssdet.shape), trainable));
  });
  const component = { variables: (): NamedVariables => variables };
  writeFileSync(outPath, writePth(exportStateDict(component)));
}
