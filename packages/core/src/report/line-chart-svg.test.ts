import { describe, expect, it } from 'vitest';
import { exponentialMovingAverage, lineChartSvg, smoothingWeight } from './line-chart-svg.js';
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

  it('draws a smoothed line over the faint raw one when asked, not for too few points', () => {
    // A noisy falling loss: alternately 1 above and below the trend.
    const points = Array.from(
      { length: 40 },
      (_, i) => [i, 20 - i * 0.25 + (i % 2 ? 1 : -1)] as const,
    );
    const svg = lineChartSvg([{ name: 'loss', points }], {
      title: 'Loss',
      xLabel: 'step',
      smoothing: 'auto',
    });
    const raw = svg.match(/<polyline class="raw"[^>]*>/g)!;
    const smoothed = svg.match(/<polyline class="smoothed"[^>]* points="([^"]*)"/)!;
    expect(raw).toHaveLength(1);
    expect(raw[0]).toContain('stroke-opacity="0.3"');
    expect(smoothed[0]).not.toContain('stroke-opacity');
    // The smoothed line zig-zags far less than the raw one (weight 0.6 damps an alternation to 1/4).
    const zigzag = (ys: number[]): number =>
      ys.slice(2).reduce((sum, y, i) => sum + Math.abs(y - 2 * ys[i + 1]! + ys[i]!), 0);
    const ys = (line: string): number[] => line.split(' ').map((p) => Number(p.split(',')[1]));
    const rawLine = svg.match(/<polyline class="raw"[^>]* points="([^"]*)"/)![1]!;
    expect(zigzag(ys(smoothed[1]!))).toBeLessThan(zigzag(ys(rawLine)) / 3);

    const short = lineChartSvg([{ name: 'loss', points: points.slice(0, 4) }], {
      title: 'Loss',
      xLabel: 'step',
      smoothing: 'auto',
    });
    expect(short).not.toContain('class="smoothed"');
    expect(short).not.toContain('stroke-opacity');
  });

  it("smooths like TensorBoard: a debiased EMA whose weight grows with the run's length", () => {
    const smoothed = exponentialMovingAverage(
      [
        [0, 4],
        [1, 2],
        [2, 2],
      ],
      0.5,
    );
    // s = 0.5·s + 0.5·y from 0: 2, 2, 2; debiased by 1 − 0.5^(i+1).
    const expected = [4, 2 / 0.75, 2 / 0.875];
    smoothed.forEach(([, y], i) => expect(y).toBeCloseTo(expected[i]!, 12));
    expect(smoothed.map(([x]) => x)).toEqual([0, 1, 2]);
    expect(smoothingWeight(20)).toBe(0.6);
    expect(smoothingWeight(300)).toBeCloseTo(0.9, 10);
    expect(smoothingWeight(100_000)).toBe(0.95);
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
