import { EventBus, Logger } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressReporter } from './progress-reporter.js';

describe('ProgressReporter', () => {
  it('reports the first and last image and at most one line per interval between', () => {
    const bus = new EventBus();
    const lines: string[] = [];
    bus.subscribe((e) => {
      if (e.type === 'log') lines.push(e.message);
    });
    let now = 0;
    const progress = new ProgressReporter(new Logger(bus, 'test'), 110, 10, 100, 5, 0, () => now);
    for (let i = 0; i < 100; i++) {
      now += 1000; // one image per second
      progress.imageFinished();
    }
    // Images 1, 6, 11, …, 96 (every 5 s) and 100.
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('regions: 11/110 images, 1.00 s/image, ETA 1m39s');
    expect(lines[1]).toBe('regions: 16/110 images, 1.00 s/image, ETA 1m34s');
    expect(lines.at(-1)).toBe('regions: 110/110 images, 1.00 s/image, ETA 0s');
  });

  it('formats durations', () => {
    expect([formatDuration(42), formatDuration(725), formatDuration(11_220)]).toEqual([
      '42s',
      '12m05s',
      '3h07m',
    ]);
  });
});
