import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsdetError } from '../errors/ssdet-error.js';
import { formatMetricsLine } from './metrics-json-line.js';
import { readMetricsJsonl } from './read-metrics-jsonl.js';
import { makeRecord } from './test-support/make-record.js';

describe('readMetricsJsonl', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ssdet-read-jsonl-'));
    file = path.join(dir, 'metrics.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const lines = (...steps: number[]): string =>
    steps.map((step) => `${formatMetricsLine(makeRecord(step))}\n`).join('');

  it('skips a torn last line at any cut point', async () => {
    const whole = formatMetricsLine(makeRecord(3));
    for (const cut of [1, 10, whole.length - 1]) {
      await writeFile(file, lines(1, 2) + whole.slice(0, cut));
      expect((await readMetricsJsonl(file)).map((r) => r.step)).toEqual([1, 2]);
    }
  });

  it('keeps a last line that lost only its newline', async () => {
    await writeFile(file, lines(1) + formatMetricsLine(makeRecord(2)));
    expect((await readMetricsJsonl(file)).map((r) => r.step)).toEqual([1, 2]);
  });

  it('names the file and line of a corrupt line in the middle', async () => {
    await writeFile(file, lines(1) + '{"step": oops}\n' + lines(3));
    await expect(readMetricsJsonl(file)).rejects.toThrow(`${file}:2 is not valid JSON`);
  });

  it('names a missing or mistyped field', async () => {
    const { lr: _lr, ...withoutLr } = makeRecord(1);
    await writeFile(file, `${JSON.stringify(withoutLr)}\n`);
    await expect(readMetricsJsonl(file)).rejects.toThrow(/:1 has "lr" missing; expected a number/);
    await writeFile(file, `${JSON.stringify({ ...makeRecord(1), backend: 'gpu' })}\n`);
    await expect(readMetricsJsonl(file)).rejects.toThrow(/"backend" "gpu"/);
  });

  it('reads validation metrics back, and names a mistyped one', async () => {
    const evaluated = { ...makeRecord(4), evaluation: { 'bbox/AP': 0.25, 'bbox/AP50': 0.5 } };
    await writeFile(file, lines(1) + `${formatMetricsLine(evaluated)}\n`);
    const records = await readMetricsJsonl(file);
    expect(records[0]!.evaluation).toBeUndefined();
    expect(records[1]!.evaluation).toEqual({ 'bbox/AP': 0.25, 'bbox/AP50': 0.5 });
    await writeFile(
      file,
      `${JSON.stringify({ ...makeRecord(1), evaluation: { 'bbox/AP': 'high' } })}\n`,
    );
    await expect(readMetricsJsonl(file)).rejects.toThrow(
      /"evaluation\.bbox\/AP" "high"; expected a number/,
    );
  });

  it('says so with a SsdetError when the file is missing', async () => {
    const error: unknown = await readMetricsJsonl(path.join(dir, 'none.jsonl')).catch((e) => e);
    expect(error).toBeInstanceOf(SsdetError);
    expect((error as SsdetError).code).toBe('METRICS_MISSING');
  });
});
