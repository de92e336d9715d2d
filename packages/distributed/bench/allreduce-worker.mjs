// One rank of the `mpirun -np N node allreduce-worker.mjs` job that distributed-allreduce.bench.ts starts:
// times the mean-allreduce of ResNet-50's gradient list (the fixture's 161 shapes) the way a
// training step issues it, plus the two numbers the analytic model in docs/distributed.md needs:
// the latency of a one-float allreduce and the bandwidth of one large in-place buffer.
// A round starts at a barrier and counts as the slowest rank's time; rank 0 prints one JSON line.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MpiProcessGroup } from '@ssdet/distributed';

const [shapesFile, repsText = '10', warmupText = '2'] = process.argv.slice(2);
const reps = Number(repsText);
const warmup = Number(warmupText);
const group = new MpiProcessGroup();
const { shapes } = JSON.parse(readFileSync(shapesFile, 'utf8'));

const numel = (shape) => shape.reduce((product, side) => product * side, 1);
const gradients = shapes.map((shape, i) =>
  Float32Array.from({ length: numel(shape) }, (_, j) => ((group.rank + i + j) % 17) - 8),
);

/** The median and best of `reps` rounds of `work`, each the slowest rank's time in seconds. */
function rounds(work, count = reps, warm = warmup) {
  const times = [];
  for (let round = 0; round < warm + count; round += 1) {
    group.barrier();
    const start = performance.now();
    work();
    const elapsed = [new Float32Array([(performance.now() - start) / 1000])];
    const all = group.allgather(elapsed[0]);
    if (round >= warm) times.push(Math.max(...all.map((part) => part[0])));
  }
  times.sort((a, b) => a - b);
  return { medianSeconds: times[Math.floor(times.length / 2)], bestSeconds: times[0] };
}

const bytes = gradients.reduce((sum, gradient) => sum + gradient.byteLength, 0);
const resnet = rounds(() => group.allreduce(gradients, 'mean'));
// α: a one-float allreduce, many per round so timer resolution does not matter.
const tiny = [new Float32Array(1)];
const LATENCY_CALLS = 200;
const latency = rounds(() => {
  for (let call = 0; call < LATENCY_CALLS; call += 1) group.allreduce(tiny, 'sum');
});
// B: one 256 MB buffer, reduced in place (above the fusion size: no packing copies).
const large = [new Float32Array(64 * 2 ** 20).fill(1)];
const bandwidth = rounds(() => group.allreduce(large, 'sum'), 3, 1);

const ranks = group.size;
const busFactor = (2 * (ranks - 1)) / ranks;
if (group.rank === 0) {
  process.stdout.write(
    `${JSON.stringify({
      side: 'ssdet',
      mpi: group.libraryVersion,
      ranks,
      tensors: gradients.length,
      bytes,
      ...resnet,
      busBandwidthGBps: (busFactor * bytes) / resnet.medianSeconds / 1e9,
      tinyAllreduceSeconds: latency.medianSeconds / LATENCY_CALLS,
      largeBytes: large[0].byteLength,
      largeSeconds: bandwidth.medianSeconds,
      largeBusBandwidthGBps: (busFactor * large[0].byteLength) / bandwidth.medianSeconds / 1e9,
    })}\n`,
  );
}
