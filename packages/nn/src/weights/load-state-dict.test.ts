import { selectBackend, type NamedVariables } from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportStateDict } from './export-state-dict.js';
import { nchwToNhwc } from './layout.js';
import { loadStateDict } from './load-state-dict.js';
import { readPth } from './pth/read-pth.js';
import { writePth } from './pth/write-pth.js';
import { fixtureBytes, fixtureJson } from './test-support/fixtures.js';
import type { WeightTensor } from './weight-tensor.js';

beforeAll(async () => {
  await selectBackend({ request: 'cpu' });
});

/** A component holding zero-filled variables of the given ssdet shapes. */
function component(
  shapes: Record<string, number[]>,
  int32: string[] = [],
): { variables(): NamedVariables } {
  const variables = new Map<string, tf.Variable>();
  for (const [name, shape] of Object.entries(shapes)) {
    variables.set(name, tf.variable(tf.zeros(shape, int32.includes(name) ? 'int32' : 'float32')));
  }
  return { variables: () => variables };
}

function disposeAll(model: { variables(): NamedVariables }): void {
  for (const variable of model.variables().values()) variable.dispose();
}

interface Golden {
  shape: number[];
  values: number[];
}

describe('loadStateDict', () => {
  it('loads torch conv and Linear weights into HWIO / [in, out] variables that compute what torch computed', () => {
    const forward = fixtureJson<Record<string, Golden>>('tiny-module-forward.json');
    const model = component({
      '0.weight': [3, 3, 2, 3],
      '1.weight': [3],
      '1.bias': [3],
      '1.running_mean': [3],
      '1.running_var': [3],
      '4.weight': [12, 2],
      '4.bias': [2],
    });
    const report = loadStateDict(
      model,
      readPth(fixtureBytes('tiny-module.pth'), 'tiny-module.pth'),
    );
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.ignored).toEqual(['1.num_batches_tracked']);
    expect(report.loaded).toHaveLength(7);
    const variables = model.variables();

    const convIn = nchwToNhwc(
      Float32Array.from(forward.conv_input_nchw!.values),
      forward.conv_input_nchw!.shape,
    );
    const convOut = tf.tidy(() =>
      tf.conv2d(
        tf.tensor4d(convIn.data, convIn.shape as [number, number, number, number]),
        variables.get('0.weight') as tf.Tensor4D,
        1,
        'valid',
      ),
    );
    const expectedConv = nchwToNhwc(
      Float32Array.from(forward.conv_output_nchw!.values),
      forward.conv_output_nchw!.shape,
    );
    expect(convOut.shape).toEqual(expectedConv.shape);
    Array.from(convOut.dataSync()).forEach((v, i) =>
      expect(v).toBeCloseTo(expectedConv.data[i]!, 5),
    );

    const linearOut = tf.tidy(() =>
      tf.add(
        tf.matMul(
          tf.tensor2d(forward.linear_input!.values, [1, 12]),
          variables.get('4.weight') as tf.Tensor2D,
        ),
        variables.get('4.bias')!,
      ),
    );
    Array.from(linearOut.dataSync()).forEach((v, i) =>
      expect(v).toBeCloseTo(forward.linear_output!.values[i]!, 5),
    );
    tf.dispose([convOut, linearOut]);
    disposeAll(model);
  });

  it('in strict mode lists missing, unexpected and mis-shaped entries in one error and assigns nothing', () => {
    const model = component({ 'a.weight': [2, 3], 'b.bias': [4], 'c.bias': [1] });
    const tensors = new Map<string, WeightTensor>([
      ['a.weight', { dtype: 'F32', shape: [3, 2], data: new Float32Array(6).fill(1) }],
      ['b.bias', { dtype: 'F32', shape: [5], data: new Float32Array(5) }],
      ['extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }],
      ['fc.weight', { dtype: 'F32', shape: [1000, 512], data: new Float32Array(0) }],
    ]);
    let message = '';
    try {
      loadStateDict(model, tensors);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/missing from the file \(1\): c\.bias/);
    expect(message).toMatch(/unexpected in the file \(1\): extra\.weight/);
    expect(message).toMatch(/shape mismatches.*\(1\): b\.bias \[4\] vs \[5\]/);
    expect(message).not.toMatch(/fc\.weight/);
    expect(Array.from(model.variables().get('a.weight')!.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);

    const report = loadStateDict(model, tensors, { strict: false });
    expect(report.loaded).toEqual(['a.weight']);
    expect(report.ignored).toEqual(['fc.weight']);
    expect(Array.from(model.variables().get('a.weight')!.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    disposeAll(model);
  });

  it('selects entries under a prefix and reads detectron2 names', () => {
    const model = component({
      'conv1.weight': [1, 1, 1, 2],
      'bn1.running_mean': [2],
      'layer1.0.downsample.1.bias': [2],
    });
    const tensors = new Map<string, WeightTensor>([
      [
        'backbone.bottom_up.stem.conv1.weight',
        { dtype: 'F32', shape: [2, 1, 1, 1], data: new Float32Array([3, 4]) },
      ],
      [
        'backbone.bottom_up.stem.conv1.norm.running_mean',
        { dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) },
      ],
      [
        'backbone.bottom_up.res2.0.shortcut.norm.bias',
        { dtype: 'F16', shape: [2], data: new Float32Array([7, 8]) },
      ],
      [
        'roi_heads.box_predictor.cls_score.weight',
        { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      ],
    ]);
    const report = loadStateDict(model, tensors, {
      naming: 'detectron2',
      prefix: 'backbone.bottom_up.',
    });
    expect(report.loaded).toHaveLength(3);
    expect(report.ignored).toEqual(['roi_heads.box_predictor.cls_score.weight']);
    expect(Array.from(model.variables().get('conv1.weight')!.dataSync())).toEqual([3, 4]);
    expect(Array.from(model.variables().get('layer1.0.downsample.1.bias')!.dataSync())).toEqual([
      7, 8,
    ]);
    disposeAll(model);
  });
});

describe('exportStateDict', () => {
  it('writes torch layouts, synthesises num_batches_tracked after running_var, and round-trips through .pth', () => {
    const model = component({
      'conv1.weight': [2, 2, 1, 3],
      'bn1.weight': [3],
      'bn1.running_mean': [3],
      'bn1.running_var': [3],
      'fc1.weight': [4, 5],
    });
    const variables = model.variables();
    variables.get('conv1.weight')!.assign(tf.range(0, 12).reshape([2, 2, 1, 3]));
    variables.get('fc1.weight')!.assign(tf.range(0, 20).reshape([4, 5]));
    const exported = exportStateDict(model);
    expect([...exported.keys()]).toEqual([
      'conv1.weight',
      'bn1.weight',
      'bn1.running_mean',
      'bn1.running_var',
      'bn1.num_batches_tracked',
      'fc1.weight',
    ]);
    expect(exported.get('conv1.weight')!.shape).toEqual([3, 1, 2, 2]);
    // OIHW[o=1, i=0, h=0, w=1] = HWIO[h=0, w=1, i=0, o=1] = 1·3 + 1 = 4
    expect(exported.get('conv1.weight')!.data[1 * 4 + 1]).toBe(4);
    expect(exported.get('fc1.weight')!.shape).toEqual([5, 4]);
    expect(exported.get('bn1.num_batches_tracked')).toMatchObject({ dtype: 'I64', shape: [] });

    const reloaded = component({
      'conv1.weight': [2, 2, 1, 3],
      'bn1.weight': [3],
      'bn1.running_mean': [3],
      'bn1.running_var': [3],
      'fc1.weight': [4, 5],
    });
    loadStateDict(reloaded, readPth(writePth(exported), 'export.pth'));
    for (const [name, variable] of variables) {
      expect(Array.from(reloaded.variables().get(name)!.dataSync()), name).toEqual(
        Array.from(variable.dataSync()),
      );
    }
    const d2 = exportStateDict(model, { naming: 'detectron2' });
    expect([...d2.keys()]).toEqual([
      'stem.conv1.weight',
      'stem.conv1.norm.weight',
      'stem.conv1.norm.running_mean',
      'stem.conv1.norm.running_var',
      'stem.fc1.weight',
    ]);
    disposeAll(model);
    disposeAll(reloaded);
  });

  it('wrote a .pth that torchvision loaded with load_state_dict(strict=True) (recorded by make_fixtures.py)', () => {
    const record = fixtureJson<Record<string, unknown>>('ssdet-pth-into-torchvision.json');
    expect(record.node_exit_code).toBe(0);
    expect(record.torch_load).toBe('ok');
    expect(record.strict_load_into_resnet18_without_fc).toBe('ok');
    expect(record.stock_resnet18_missing_keys).toEqual(['fc.weight', 'fc.bias']);
    expect(record.stock_resnet18_unexpected_keys).toEqual([]);
    expect(record.num_batches_tracked).toEqual({ count: 20, dtype: 'torch.int64', all_zero: true });
    expect(record.max_abs_difference as number).toBeLessThan(1e-6);
  });

  it('does not leak tensors', () => {
    const model = component({
      'conv1.weight': [3, 3, 2, 4],
      'bn1.running_mean': [4],
      'bn1.running_var': [4],
    });
    const before = tf.memory().numTensors;
    loadStateDict(model, exportStateDict(model));
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(model);
  });
});
