import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MethodStepBench, torchStep } from './method-step-bench.js';

describe('MethodStepBench: the shared method-bench bookkeeping', () => {
  it('averages the steps after the warm-up and prints the ratio to PyTorch', () => {
    const record = new MethodStepBench({ recordsDirectory: null });
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
    const failedSetup = new MethodStepBench({ recordsDirectory: null });
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

    const failedStep = new MethodStepBench({ recordsDirectory: null });
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

describe('torchStep: PyTorch’s side of a method bench', () => {
  const saved = process.env['SSDET_BENCH_PYTHON'];
  const fakes: string[] = [];
  afterEach(() => {
    for (const directory of fakes.splice(0)) rmSync(directory, { recursive: true, force: true });
    if (saved === undefined) delete process.env['SSDET_BENCH_PYTHON'];
    else process.env['SSDET_BENCH_PYTHON'] = saved;
  });

  /** An executable standing in for python3 that prints `lines` whatever it is asked to run. */
  function fakePython(lines: string[]): string {
    const directory = mkdtempSync(join(tmpdir(), 'ssdet-fake-python-'));
    fakes.push(directory);
    const path = join(directory, 'python3');
    writeFileSync(path, `#!/bin/sh\n${lines.map((l) => `echo '${l}'`).join('\n')}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('reads the last line’s JSON and keeps what else the script reports', () => {
    process.env['SSDET_BENCH_PYTHON'] = fakePython([
      'step 1: 3.1 s',
      '{"torch": "1.13.0", "threads": 2, "seconds": 1.5, "cpuSeconds": 2.9, "steps": 2, "pairs": 512}',
    ]);
    expect(torchStep('tools/reference/x/bench_x_torch.py', [])).toEqual({
      seconds: 1.5,
      note: 'PyTorch 1.13.0, 2 threads (pairs 512): 1.50 s wall, 2.9 CPU-s per step',
    });
  });

  it('says the step was not measured when the script prints no usable JSON', () => {
    process.env['SSDET_BENCH_PYTHON'] = fakePython(['Traceback: oops']);
    const step = torchStep('tools/reference/x/bench_x_torch.py', []);
    expect(step.seconds).toBeUndefined();
    expect(step.note).toContain('printed no JSON (Traceback: oops)');
    process.env['SSDET_BENCH_PYTHON'] = fakePython(['{"torch": "1.13.0", "threads": 2}']);
    expect(torchStep('tools/reference/x/bench_x_torch.py', []).note).toContain(
      'printed no "seconds"',
    );
  });
});
