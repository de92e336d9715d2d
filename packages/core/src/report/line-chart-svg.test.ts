import { describe, expect, it } from 'vitest';
import { lineChartSvg } from './line-chart-svg.js';
import { formatTick, niceTicks } from './nice-ticks.js';

const polylines = (svg: string): string[][] =>
  [...svg.matchAll(/<polyline[^>]* points="([^"]*)"/g)].map((m) => m[1]!.split(' '));

describe('lineChartSvg', () => {
  it('draws one polyline per series with one point per data point, inside the plot', () => {
    const svg = lineChartSvg(
      [
        {
          name: 'loss',
          points: [
            [1, 5],
            [2, 4],
            [3, 3.5],
            [4, 3.2],
          ],
        },
        {
          name: 'loss/dense',
          points: [
            [1, 2],
            [2, 1.5],
            [3, 1.2],
            [4, 1],
          ],
        },
      ],
      { title: 'Loss', xLabel: 'step', width: 640, height: 260 },
    );
    const lines = polylines(svg);
    expect(lines.map((l) => l.length)).toEqual([4, 4]);
    for (const [x, y] of lines.flat().map((p) => p.split(',').map(Number))) {
      expect(x).toBeGreaterThanOrEqual(64);
      expect(x).toBeLessThanOrEqual(640 - 16);
      expect(y).toBeGreaterThanOrEqual(30);
      expect(y).toBeLessThanOrEqual(260 - 40);
    }
    // Larger values sit higher (smaller y) on the page.
    const [first, second] = lines[0]!.map((p) => Number(p.split(',')[1]));
    expect(first!).toBeLessThan(second!);
    expect(svg).toContain('loss/dense</text>');
  });

  it('breaks the line at non-finite values', () => {
    const svg = lineChartSvg(
      [
        {
          name: 'loss',
          points: [
            [1, 1],
            [2, 2],
            [3, Number.NaN],
            [4, 1],
            [5, 2],
          ],
        },
      ],
      { title: 'Loss', xLabel: 'step' },
    );
    expect(polylines(svg).map((l) => l.length)).toEqual([2, 2]);
  });

  it('escapes names and says when there is no data', () => {
    const svg = lineChartSvg([{ name: '<b>', points: [] }], { title: 'A & B', xLabel: 'x' });
    expect(svg).toContain('A &amp; B');
    expect(svg).toContain('no data');
    expect(svg).not.toContain('<b>');
  });
});

describe('niceTicks', () => {
  it('covers the range with 1-2-5 steps', () => {
    expect(niceTicks(0.13, 0.92).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 97)).toEqual({ ticks: [0, 20, 40, 60, 80, 100], domain: [0, 100] });
    expect(niceTicks(-0.3, 0.35).ticks).toEqual([-0.4, -0.2, 0, 0.2, 0.4]);
  });

  it('widens a single value into a range', () => {
    const { domain } = niceTicks(3, 3);
    expect(domain[0]).toBeLessThan(3);
    expect(domain[1]).toBeGreaterThan(3);
  });

  it('formats small learning rates in exponent form', () => {
    expect(formatTick(3e-5)).toBe('3e-5');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1200)).toBe('1200');
  });
});
