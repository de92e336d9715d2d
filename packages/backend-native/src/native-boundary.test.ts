import { describe, expect, it } from 'vitest';
import { loadNativeAddon, type Conv2DAttrs, type NativeAddon } from './native-addon.js';
import { OP_NAMES, missingOpCode, type OpFamily } from './op-codes.js';
import { NATIVE_SUITE_NOTE, nativeBuilt } from './test-support/native-test-support.js';

const FAMILIES = Object.keys(OP_NAMES) as OpFamily[];

/** A table with every name of OP_NAMES, numbered in list order. */
function completeTable(): Record<string, Record<string, number>> {
  return Object.fromEntries(
    FAMILIES.map((family) => [
      family,
      Object.fromEntries(OP_NAMES[family].map((name, code) => [name, code])),
    ]),
  );
}

describe('checking an addon op-code table', () => {
  it('accepts a table with every name the kernels use', () => {
    expect(missingOpCode(completeTable())).toBeUndefined();
  });

  it('names the first op an older addon lacks, or the whole table', () => {
    const table = completeTable();
    delete table['binary']!['ReluGrad'];
    expect(missingOpCode(table)).toBe('binary.ReluGrad');
    expect(missingOpCode({ ...completeTable(), pool: { Max: 0, Avg: '1' } })).toBe('pool.Avg');
    expect(missingOpCode(undefined)).toBe('binary.Add');
  });
});

describe(`the N-API boundary${NATIVE_SUITE_NOTE}`, () => {
  const addon = (): NativeAddon => loadNativeAddon();

  // The kernels name their ops with OpName<family>, which only admits the names of OP_NAMES: the
  // compiler ties every name a kernel uses to that list, and this ties the list to the addon.
  it.skipIf(!nativeBuilt)('the addon defines every op the kernels use, once', () => {
    const { opCodes } = addon();
    expect(Object.isFrozen(opCodes)).toBe(true);
    for (const family of FAMILIES) {
      const codes = opCodes[family] as Readonly<Record<string, number>>;
      expect(Object.isFrozen(codes)).toBe(true);
      for (const name of OP_NAMES[family]) {
        expect(Number.isInteger(codes[name]), `opCodes.${family}.${name}`).toBe(true);
      }
      const values = Object.values(codes);
      expect(new Set(values).size, `codes of ${family} are distinct`).toBe(values.length);
    }
  });

  it.skipIf(!nativeBuilt)('rejects an op code outside its family', () => {
    const x = new Float32Array(4);
    expect(() => addon().binary(99, x, [4], x, [4], [4])).toThrow(RangeError);
    expect(() => addon().unary(-1, x, 0)).toThrow(/must be one of addon\.opCodes\.unary/);
  });

  /** A 1×1 convolution of a 1×2×2×1 map: the smallest valid geometry. */
  const conv: Conv2DAttrs = {
    batch: 1,
    inHeight: 2,
    inWidth: 2,
    inChannels: 1,
    outChannels: 1,
    outHeight: 2,
    outWidth: 2,
    filterHeight: 1,
    filterWidth: 1,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padBottom: 0,
    padLeft: 0,
    padRight: 0,
  };

  it.skipIf(!nativeBuilt)('reads convolution geometry by name', () => {
    const x = Float32Array.from([1, 2, 3, 4]);
    const w = Float32Array.from([2]);
    expect([...addon().conv2dBackpropInput(x, w, conv)]).toEqual([2, 4, 6, 8]);
    const relu = { activation: addon().opCodes.activation.Relu, leakyreluAlpha: 0 };
    const y = addon().conv2d(Float32Array.from([1, -2, 3, -4]), w, null, conv, relu);
    expect([...y]).toEqual([2, 0, 6, 0]);
  });

  it.skipIf(!nativeBuilt)('throws a TypeError naming a missing or ill-typed attribute', () => {
    const x = new Float32Array(4);
    const w = new Float32Array(1);
    const { strideHeight: _, ...without } = conv;
    expect(() => addon().conv2dBackpropFilter(x, x, without as Conv2DAttrs)).toThrow(
      new TypeError(
        'conv2dBackpropFilter: attrs.strideHeight must be an integer; got undefined (missing)',
      ),
    );
    const call = (attrs: object) => () => addon().conv2dBackpropInput(x, w, attrs as Conv2DAttrs);
    expect(call({ ...conv, padLeft: '0' })).toThrow(
      /attrs\.padLeft must be an integer; got a string/,
    );
    expect(call({ ...conv, inWidth: 1.5 })).toThrow(/attrs\.inWidth must be an integer; got 1\.5/);
    expect(call({ ...conv, strideWidth: 0 })).toThrow(RangeError);
    expect(call({ ...conv, strideWidth: 0 })).toThrow(/attrs\.strideWidth must be at least 1/);
    expect(() => addon().softmax(x, [1, 4] as never)).toThrow(/softmax: attrs must be an object/);
    expect(() => addon().conv2d(x, w, null, conv, { activation: 0 } as never)).toThrow(
      /conv2d: fused\.leakyreluAlpha must be a number; got undefined/,
    );
    expect(() => addon().conv2d(x, w, null, conv, { activation: 17, leakyreluAlpha: 0 })).toThrow(
      /conv2d: fused\.activation must be one of addon\.opCodes\.activation/,
    );
    expect(() =>
      addon().sgdUpdate([x, x, x], { lr: 0.1, momentum: 0.9, weightDecay: 0 } as never),
    ).toThrow(
      new TypeError('sgdUpdate: attrs.nesterov must be a boolean; got undefined (missing)'),
    );
    expect(() =>
      addon().matmul(
        x,
        x,
        null,
        { batchA: 1, batchB: 1, m: 2, k: 2, n: 2, transposeA: 0 as never, transposeB: false },
        { activation: addon().opCodes.activation.Linear, leakyreluAlpha: 0 },
      ),
    ).toThrow(/matmul: attrs\.transposeA must be a boolean; got 0/);
  });

  it.skipIf(!nativeBuilt)('an update writes into the arrays `into` names, or new ones', () => {
    const target = Float32Array.from([1, 2, 4]);
    const online = Float32Array.from([3, 6, 8]);
    const [inPlace] = addon().emaUpdate([target, online], { momentum: 0.5 }, [target]);
    expect(inPlace).toBe(target);
    expect([...target]).toEqual([2, 4, 6]);
    const [fresh] = addon().emaUpdate([target, online], { momentum: 0.5 }, [null]);
    expect(fresh).not.toBe(target);
    expect([...fresh!]).toEqual([2.5, 5, 7]);
    expect([...target]).toEqual([2, 4, 6]);
    expect(() => addon().emaUpdate([target, online], { momentum: 0.5 }, [])).toThrow(
      /emaUpdate: into must be an array of 1 Float32Arrays or nulls/,
    );
    expect(() =>
      addon().emaUpdate([target, online], { momentum: 0.5 }, [new Float32Array(2)]),
    ).toThrow(/emaUpdate: into\[0\] \(target\) holds 2 values; its shape needs 3/);
  });

  it.skipIf(!nativeBuilt)(
    'asks the output source only for outputs of its minLength or more, and names a bad one',
    () => {
      const asked: number[] = [];
      const native = addon();
      native.setOutputSource(
        (length) => {
          asked.push(length);
          return null;
        },
        { minLength: 8 },
      );
      try {
        native.softmax(new Float32Array(4), { rows: 1, cols: 4 });
        native.softmax(new Float32Array(8), { rows: 2, cols: 4 });
        expect(asked).toEqual([8]);
        expect(() => native.setOutputSource(() => null, {} as never)).toThrow(
          /setOutputSource: attrs\.minLength must be an integer/,
        );
      } finally {
        native.setOutputSource(null);
      }
    },
  );
});
