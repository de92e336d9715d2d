import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    expect(draw(Rng.fromSeed(42), 8)).toEqual(draw(Rng.fromSeed(42), 8));
    expect(draw(Rng.fromSeed(42), 8)).not.toEqual(draw(Rng.fromSeed(43), 8));
    expect(draw(Rng.fromSeed('42'), 8)).toEqual(draw(Rng.fromSeed(42), 8));
  });

  it('forks by label, independently of how much the parent has drawn', () => {
    const fresh = Rng.fromSeed(7);
    const used = Rng.fromSeed(7);
    draw(used, 1000);
    expect(draw(used.fork('worker-1'), 16)).toEqual(draw(fresh.fork('worker-1'), 16));
    expect(draw(fresh.fork('worker-1'), 16)).not.toEqual(draw(fresh.fork('worker-2'), 16));
    expect(draw(fresh.fork('a').fork('b'), 4)).not.toEqual(draw(fresh.fork('b').fork('a'), 4));
  });

  it('forked streams are uncorrelated', () => {
    const a = Rng.fromSeed(1).fork('view-0');
    const b = Rng.fromSeed(1).fork('view-1');
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (a.uniform() - 0.5) * (b.uniform() - 0.5);
    // covariance of independent U(0,1) draws is 0 with std 1/(12·sqrt(n)) ≈ 0.0006
    expect(Math.abs(sum / n)).toBeLessThan(0.003);
  });

  it('restores a saved state exactly', () => {
    const rng = Rng.fromSeed(3);
    draw(rng, 17);
    const saved = JSON.parse(JSON.stringify(rng.saveState())) as ReturnType<Rng['saveState']>;
    const expected = draw(rng, 10);
    const restored = Rng.restore(saved);
    expect(draw(restored, 10)).toEqual(expected);
    expect(draw(restored.fork('x'), 3)).toEqual(draw(Rng.fromSeed(3).fork('x'), 3));
  });

  it('rejects a malformed saved state and non-integer seeds', () => {
    expect(() => Rng.restore({ key: [1, 2, 3], state: [1, 2, 3, 4] })).toThrow(
      /four unsigned 32-bit/,
    );
    expect(() => Rng.fromSeed(1.5)).toThrow(/integer/);
  });

  it('draws uniform doubles in [low, high) with the right mean and variance', () => {
    const rng = Rng.fromSeed(11);
    const n = 50_000;
    let sum = 0;
    let sumSquares = 0;
    let lowest = Infinity;
    let highest = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform(2, 4);
      lowest = Math.min(lowest, u);
      highest = Math.max(highest, u);
      sum += u;
      sumSquares += u * u;
    }
    expect(lowest).toBeGreaterThanOrEqual(2);
    expect(highest).toBeLessThan(4);
    const mean = sum / n;
    expect(mean).toBeCloseTo(3, 1);
    expect(sumSquares / n - mean * mean).toBeCloseTo(4 / 12, 1);
  });

  it('draws every integer of a range about equally often', () => {
    const rng = Rng.fromSeed(5);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[rng.int(3, 10) - 3]! += 1;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(400);
    expect(() => rng.int(3, 3)).toThrow(/low < high/);
  });

  it('draws normals with mean and standard deviation as asked', () => {
    const rng = Rng.fromSeed(9);
    const n = 50_000;
    const values = Array.from({ length: n }, () => rng.normal(1, 2));
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
  });

  it('shuffles into a permutation, reproducibly', () => {
    const permutation = Rng.fromSeed(2).permutation(100);
    expect([...permutation].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(permutation).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Rng.fromSeed(2).permutation(100)).toEqual(permutation);
  });
});
