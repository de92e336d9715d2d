// Temporary (issue 25 helper): per-kernel wall and CPU time, GC time, per step. Not committed.
import * as tf from '@tensorflow/tfjs-core';
import { PerformanceObserver } from 'node:perf_hooks';
import { beforeAll } from 'vitest';

interface Entry { wall: number; cpu: number; calls: number }
let table = new Map<string, Entry>();
let gcMs = 0;
let gcCount = 0;
let depth = 0;

function report(label: string): void {
  const rows = [...table].sort((a, b) => b[1].wall - a[1].wall);
  let wall = 0, cpu = 0, calls = 0;
  for (const [, e] of rows) { wall += e.wall; cpu += e.cpu; calls += e.calls; }
  const lines = [`\n=== ${label}: ${calls} kernel calls, ${wall.toFixed(0)} ms wall / ${cpu.toFixed(0)} ms CPU in kernels; GC ${gcMs.toFixed(0)} ms (${gcCount})`];
  for (const [name, e] of rows.slice(0, 40)) {
    lines.push(`  ${name.padEnd(34)} ${e.wall.toFixed(1).padStart(9)} ms wall ${e.cpu.toFixed(1).padStart(9)} ms cpu  x${(e.cpu / Math.max(e.wall, 1e-9)).toFixed(2)} ${String(e.calls).padStart(6)} calls`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  table = new Map();
  gcMs = 0; gcCount = 0;
}

beforeAll(() => {
  const backend = tf.getBackend();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) { gcMs += entry.duration; gcCount += 1; }
  }).observe({ entryTypes: ['gc'] });
  for (const kernel of tf.getKernelsForBackend(backend)) {
    const inner = kernel.kernelFunc;
    tf.unregisterKernel(kernel.kernelName, backend);
    tf.registerKernel({
      ...kernel,
      kernelFunc: (params) => {
        depth += 1;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        try {
          return inner(params);
        } finally {
          const c = process.cpuUsage(c0);
          const w = performance.now() - t0;
          depth -= 1;
          if (depth === 0) {
            const e = table.get(kernel.kernelName) ?? { wall: 0, cpu: 0, calls: 0 };
            e.wall += w; e.cpu += (c.user + c.system) / 1000; e.calls += 1;
            table.set(kernel.kernelName, e);
          }
        }
      },
    });
  }
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    const match = /(\S+) step (\d+): ([\d.]+) s/.exec(text);
    if (match) report(`${match[1]} step ${match[2]} (${match[3]} s)`);
    return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
});
