import { describe, expect, it } from 'vitest';
import { MethodStepBench } from './method-step-bench.js';

describe('MethodStepBench: the shared method-bench bookkeeping', () => {
  it('averages the steps after the warm-up and prints the ratio to PyTorch', () => {
    const record = new MethodStepBench();
    record.backend = 'native';
    record.torch = { seconds: 4, note: 'PyTorch 1.13, 2 threads: 4.00 s wall' };
    for (const seconds of [9, 2, 4]) record.step('t', () => ({ seconds, cpuSeconds: 2 * seconds }));
    expect(record.meanSeconds).toBe(3);
    const text = record.summary('@ssdet/x', 'X step', 6);
    expect(text).toContain('backend "native": X step: 3.00 s wall = 2.000 images/s; 6.0 CPU-s');
    expect(text).toContain('mean of 2 after 1 warm-up');
    expect(text).toContain('ratio ours / PyTorch 0.75×');
  });

  it('says why no step was timed instead of printing a 0 s step', async () => {
    const failedSetup = new MethodStepBench();
    await expect(
      failedSetup.prepare(() => {
        throw new Error('out of memory\n    at somewhere');
      }),
    ).rejects.toThrow('out of memory');
    expect(failedSetup.meanSeconds).toBeUndefined();
    const text = failedSetup.summary('@ssdet/x', 'X step', 8);
    expect(text).toContain('no step was timed (setup failed: out of memory)');
    expect(text).not.toContain('0.0 s');
    // A later step refuses to run on a failed setup rather than timing garbage.
    expect(() => failedSetup.step('t', () => ({ seconds: 1, cpuSeconds: 1 }))).toThrow(
      'setup failed',
    );

    const failedStep = new MethodStepBench();
    failedStep.step('t', () => ({ seconds: 1, cpuSeconds: 1 }));
    expect(() =>
      failedStep.step('t', () => {
        throw new RangeError('shape mismatch');
      }),
    ).toThrow('shape mismatch');
    expect(failedStep.summary('@ssdet/x', 'X step', 1)).toContain(
      'then step 1 failed: shape mismatch',
    );
  });
});
