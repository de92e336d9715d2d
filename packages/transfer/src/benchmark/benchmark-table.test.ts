import { describe, expect, it } from 'vitest';
import { benchmarkHtml, benchmarkMarkdown, meanStd, type BenchmarkRow } from './benchmark-table.js';

const stats = (ap: number, ap50: number, ap75: number): number[] => [
  ap,
  ap50,
  ap75,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
];

const rows: BenchmarkRow[] = [
  {
    init: 'random',
    detector: 'faster-rcnn',
    pretrainSeconds: 0,
    runs: [
      { seed: 0, stats: stats(0.1, 0.2, 0.05) },
      { seed: 1, stats: stats(0.12, 0.22, 0.07) },
    ],
  },
  {
    init: 'densecl',
    detector: 'faster-rcnn',
    pretrainSeconds: 95.4,
    runs: [
      { seed: 0, stats: stats(0.15, 0.3, 0.1) },
      { seed: 1, stats: stats(0.17, 0.32, 0.12) },
    ],
  },
  {
    init: 'random',
    detector: 'detr',
    pretrainSeconds: 0,
    runs: [{ seed: 0, stats: stats(0.01, 0.02, 0) }],
  },
  {
    init: 'updetr',
    detector: 'detr',
    frozenBackbone: 'densecl',
    pretrainSeconds: 12,
    runs: [{ seed: 0, stats: stats(0.005, 0.01, 0) }],
  },
];

describe('benchmark table', () => {
  it('uses the sample standard deviation', () => {
    expect(meanStd([1, 3]).mean).toBe(2);
    expect(meanStd([1, 3]).std).toBeCloseTo(Math.SQRT2, 12);
    expect(meanStd([5]).std).toBe(0);
  });

  it('writes AP ×100 as mean ± std and the gain over random init with the same detector', () => {
    const lines = benchmarkMarkdown(rows).split('\n');
    expect(lines[0]).toBe('| init | detector | AP | AP50 | AP75 | Δ AP vs random | pre-training |');
    expect(lines[2]).toBe('| random | faster-rcnn | 11.0 ± 1.4 | 21.0 ± 1.4 | 6.0 ± 1.4 | — | — |');
    expect(lines[3]).toBe(
      '| densecl | faster-rcnn | 16.0 ± 1.4 | 31.0 ± 1.4 | 11.0 ± 1.4 | +5.0 | 95 s |',
    );
    expect(lines[5]).toBe(
      '| updetr (on densecl) | detr | 0.5 ± 0.0 | 1.0 ± 0.0 | 0.0 ± 0.0 | -0.5 | 12 s |',
    );
  });

  it('writes a difference that rounds to zero as +0.0, never -0.0', () => {
    const close: BenchmarkRow[] = [
      {
        init: 'random',
        detector: 'detr',
        pretrainSeconds: 0,
        runs: [{ seed: 0, stats: stats(0.0004, 0, 0) }],
      },
      {
        init: 'updetr',
        detector: 'detr',
        pretrainSeconds: 1,
        runs: [{ seed: 0, stats: stats(0.0001, 0, 0) }],
      },
    ];
    expect(benchmarkMarkdown(close).split('\n')[3]).toContain('| +0.0 |');
  });

  it('plots one bar per row in a self-contained page', () => {
    const html = benchmarkHtml(rows, 'test <plan>');
    expect(html).toContain('<title>test &lt;plan&gt;</title>');
    expect(html.match(/<rect /g)).toHaveLength(rows.length);
    expect(html).toContain('>updetr (on densecl)</text>');
  });
});
