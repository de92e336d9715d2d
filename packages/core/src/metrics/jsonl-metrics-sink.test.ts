import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlMetricsSink } from './jsonl-metrics-sink.js';
import { formatMetricsLine } from './metrics-json-line.js';
import { readMetricsJsonl } from './read-metrics-jsonl.js';
import { makeRecord } from './test-support/make-record.js';

describe('JsonlMetricsSink', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ssdet-jsonl-'));
    file = path.join(dir, 'run', 'metrics.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips records, one line each, creating the directory', async () => {
    const records = [makeRecord(1), makeRecord(2, { momentum: undefined }), makeRecord(3)];
    const sink = new JsonlMetricsSink(file);
    // Not awaited one by one: the sink must keep their order.
    await Promise.all(records.map((record) => sink.write(record)));
    await sink.close();
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')).toHaveLength(4);
    expect(text.endsWith('\n')).toBe(true);
    const read = await readMetricsJsonl(file);
    expect(read).toEqual(records.map((r) => JSON.parse(JSON.stringify(r)) as unknown));
    expect(read[1]).not.toHaveProperty('momentum');
  });

  it('has each line on disk as soon as write() resolves', async () => {
    const sink = new JsonlMetricsSink(file);
    await sink.write(makeRecord(1));
    await sink.write(makeRecord(2));
    // Read by another descriptor while the sink is still open, as after a SIGKILL.
    expect((await readMetricsJsonl(file)).map((r) => r.step)).toEqual([1, 2]);
    await sink.close();
  });

  it('keeps NaN and infinities, which plain JSON turns into null', async () => {
    const sink = new JsonlMetricsSink(file);
    await sink.write(makeRecord(1, { loss: Number.NaN, terms: { a: Infinity, b: -Infinity } }));
    await sink.close();
    const [record] = await readMetricsJsonl(file);
    expect(record?.loss).toBeNaN();
    expect(record?.terms).toEqual({ a: Infinity, b: -Infinity });
  });

  it('cuts a torn last line before appending, so new lines do not glue onto it', async () => {
    const sink = new JsonlMetricsSink(file);
    await sink.write(makeRecord(1));
    await sink.close();
    const torn = formatMetricsLine(makeRecord(2)).slice(0, 30);
    await appendFile(file, torn);
    expect((await readMetricsJsonl(file)).map((r) => r.step)).toEqual([1]);

    const resumed = new JsonlMetricsSink(file);
    await resumed.write(makeRecord(2));
    await resumed.close();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(torn + '{');
    expect((await readMetricsJsonl(file)).map((r) => r.step)).toEqual([1, 2]);
  });

  it('drops records after the resume step when resuming', async () => {
    const first = new JsonlMetricsSink(file);
    for (const step of [1, 2, 3, 4, 5]) await first.write(makeRecord(step));
    await first.close();
    const resumed = new JsonlMetricsSink(file, { resumeFromStep: 3 });
    await resumed.write(makeRecord(4, { loss: 42 }));
    await resumed.close();
    const read = await readMetricsJsonl(file);
    expect(read.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    expect(read[3]?.loss).toBe(42);
  });

  it('refuses writes after close', async () => {
    const sink = new JsonlMetricsSink(file);
    await sink.close();
    await expect(sink.write(makeRecord(1))).rejects.toThrow(/closed/);
  });

  it('creates no file when nothing was written', async () => {
    const sink = new JsonlMetricsSink(file);
    await sink.close();
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });
});
