import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MethodStepBench } from './method-step-bench.js';
import { machineLine, methodTable, parseRecord, readMethodRecords } from './summarize.js';

const fixtures = fileURLToPath(new URL('./fixtures/methods', import.meta.url));
const temporary: string[] = [];
const scratch = (): string => {
  const directory = mkdtempSync(join(tmpdir(), 'ssdet-bench-records-'));
  temporary.push(directory);
  return directory;
};
afterEach(() => {
  for (const directory of temporary.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('summarize: the BENCHMARKS.md table from the method benches’ records', () => {
  it('prints one row per method, sorted, with the ratio and how the run was measured', () => {
    const records = readMethodRecords(fixtures);
    expect(records.map((r) => r.method)).toEqual(['densecl', 'updetr']);
    const lines = methodTable(records).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      '| densecl | DenseCL ResNet-50@224 batch 8, training step | native | 4.90 s | 3.80 s | 1.29× | 2026-12-06, one run, load 2.1 → 2.4 |',
    );
    // A failed bench says why instead of a time; a `|` in a step name cannot break the table.
    expect(lines[3]).toContain('| UP-DETR batch 1 \\| 10 patches |');
    expect(lines[3]).toContain(
      '| failed: setup failed: out of memory | skipped (SSDET_BENCH_TORCH=0) | — |',
    );
    expect(machineLine(records)).toBe('Machine: AMD EPYC, 2 cores, Node v20.20.2.');
  });

  it('reads back what MethodStepBench writes during a bench', () => {
    const directory = scratch();
    const bench = new MethodStepBench({ recordsDirectory: directory });
    bench.backend = 'native';
    bench.torch = { seconds: 2, note: 'PyTorch 1.13.0, 2 threads: 2.00 s wall' };
    for (const seconds of [12, 5, 4]) bench.step('X', () => ({ seconds, cpuSeconds: seconds }));
    bench.summary('@ssdet/plugin-siamese-detr', 'Siamese DETR step', 2);
    const [record] = readMethodRecords(directory);
    expect(record).toMatchObject({
      method: 'siamese-detr',
      seconds: 4.5,
      torchSeconds: 2,
      ratio: 2.25,
      steps: [12, 5, 4],
      failure: null,
    });
    expect(methodTable([record!])).toContain('| 4.50 s | 2.00 s | 2.25× |');
  });

  it('names the file and the field of a bad record, and an empty directory', () => {
    expect(() => parseRecord('x.json', '{"method": "a", "step": "s", "batch": 0}')).toThrow(
      'x.json: "batch" must be a positive integer; got 0.',
    );
    expect(() => parseRecord('y.json', 'not json')).toThrow('y.json: not JSON.');
    const empty = scratch();
    expect(() => readMethodRecords(empty)).toThrow(`${empty}: no bench records (*.json) in it.`);
    writeFileSync(join(empty, 'soco.json'), '[]');
    expect(() => readMethodRecords(empty)).toThrow('soco.json: expected a JSON object.');
    expect(() => readMethodRecords(join(empty, 'missing'))).toThrow('no such directory');
  });
});
