import { describe, expect, it } from 'vitest';
import {
  defaultLayoutRule,
  hwioToOihw,
  nchwToNhwc,
  nhwcToNchw,
  oihwToHwio,
  permuteAxes,
  transpose2d,
} from './layout.js';

const iota = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

describe('layout conversions', () => {
  it('moves OIHW element [o,i,h,w] to HWIO [h,w,i,o]', () => {
    const [O, I, H, W] = [3, 2, 2, 4];
    const { data, shape } = oihwToHwio(iota(O * I * H * W), [O, I, H, W]);
    expect(shape).toEqual([H, W, I, O]);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < H; h++)
          for (let w = 0; w < W; w++) {
            expect(data[((h * W + w) * I + i) * O + o]).toBe(((o * I + i) * H + h) * W + w);
          }
    expect(Array.from(hwioToOihw(data, shape).data)).toEqual(Array.from(iota(O * I * H * W)));
  });

  it('converts activations NCHW ⇄ NHWC and transposes Linear weights', () => {
    const { data, shape } = nchwToNhwc(iota(2 * 3 * 2 * 2), [2, 3, 2, 2]);
    expect(shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(data.subarray(0, 6))).toEqual([0, 4, 8, 1, 5, 9]);
    expect(Array.from(nhwcToNchw(data, shape).data)).toEqual(Array.from(iota(24)));
    expect(Array.from(transpose2d(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]).data)).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
    expect(transpose2d(new Int32Array(6), [2, 3]).data).toBeInstanceOf(Int32Array);
    expect(() => permuteAxes(iota(5), [2, 3], [1, 0])).toThrow(
      /Cannot permute 5 values of shape \[2, 3\]/,
    );
  });

  it('picks conv for rank-4 weights, linear for rank-2 weights, nothing for the rest', () => {
    expect(defaultLayoutRule('layer1.0.conv1.weight', 4)).toBe('conv-kernel');
    expect(defaultLayoutRule('head.fc1.weight', 2)).toBe('linear-weight');
    expect(defaultLayoutRule('bn1.weight', 1)).toBe('same');
    expect(defaultLayoutRule('queue', 2)).toBe('same');
    expect(defaultLayoutRule('fc.bias', 1)).toBe('same');
  });
});
