// One rank of the `mpirun -np N node densecl-step-worker.mjs` job that
// distributed-densecl-step.bench.ts starts: DenseCL training steps (ResNet-50 at SIZE, the global
// batch split over the ranks, shuffleBnGroups 2 spanning it, queues of 65,536) as the Trainer takes
// them under MPI — loss with shuffle-BN across ranks, gradients, their fused mean-allreduce, SGD,
// the momentum update and the all-gathered enqueue — on the best backend that trains a CNN
// (threads per rank from SSDET_NATIVE_THREADS). Each step starts at a barrier and counts as the
// slowest rank's time; rank 0 prints one JSON line.
import { performance } from 'node:perf_hooks';
import {
  CNN_TRAINING_KERNELS,
  CORE_VERSION_STRING,
  EventBus,
  PRETRAIN_METHOD,
  PluginRegistry,
  Rng,
  SgdOptimizer,
  bindMethod,
  broadcastVariables,
  createRootContainer,
  meanAllreduceGradients,
  resolveToken,
  selectBackend,
} from '@ssdet/core';
import { MpiProcessGroup } from '@ssdet/distributed';
import { denseclConfigSchema, plugin } from '@ssdet/plugin-densecl';
import * as tf from '@tensorflow/tfjs-core';

const [globalBatchText = '8', sizeText = '224', stepsText = '2', warmupText = '1'] =
  process.argv.slice(2);
const globalBatch = Number(globalBatchText);
const size = Number(sizeText);
const steps = Number(stepsText);
const warmup = Number(warmupText);

const group = new MpiProcessGroup();
const localBatch = globalBatch / group.size;
const { backend } = await selectBackend({ requiredKernels: CNN_TRAINING_KERNELS });

const bus = new EventBus();
const registry = new PluginRegistry(CORE_VERSION_STRING, bus);
registry.add(plugin, { packageName: '@ssdet/plugin-densecl', discovery: 'api' });
const config = denseclConfigSchema.parse({
  shuffleBnGroups: 2,
  train: { batchSize: globalBatch },
});
const { run } = bindMethod(
  registry,
  'densecl',
  config,
  Rng.fromSeed(0),
  createRootContainer({ bus }),
  group,
);
const method = resolveToken(run, PRETRAIN_METHOD);
// As the Trainer: rank 0's initial weights everywhere.
broadcastVariables(method.variables(), group);
const trainable = method.trainableVariables();
const shapes = new Map([...trainable].map(([name, variable]) => [name, variable.shape]));
const ownName = new Map([...trainable].map(([name, variable]) => [variable.name, name]));
const optimizer = new SgdOptimizer([{ name: 'all', variables: trainable }], {
  momentum: 0.9,
  weightDecay: 1e-4,
});
const view = (seed) => ({
  images: tf.randomNormal([localBatch, size, size, 3], 0, 1, 'float32', seed),
  geometry: [],
});
// This rank's shard of the global batch.
const batch = {
  size: localBatch,
  records: [],
  views: { query: view(10 + group.rank), key: view(20 + group.rank) },
};

/** One step; its wall, CPU and allreduce seconds on this rank and the rank-mean loss. */
function trainingStep(step) {
  const context = { step, epoch: 0, totalSteps: 1000, rng: Rng.fromSeed(3).fork(`step-${step}`) };
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const { value, grads } = tf.variableGrads(
    () => method.loss(batch, context).total,
    [...trainable.values()],
  );
  const local = new Map(
    Object.entries(grads).map(([tfName, gradient]) => [ownName.get(tfName), gradient]),
  );
  // The allreduce would wait for the slower rank anyway; the barrier only splits that wait
  // (load imbalance) from the reduction itself (copies out of and into tensors, MPI).
  const waitStarted = performance.now();
  group.barrier();
  const reduceStarted = performance.now();
  const gradients = meanAllreduceGradients(local, group, shapes);
  const waitSeconds = (reduceStarted - waitStarted) / 1000;
  const allreduceSeconds = (performance.now() - reduceStarted) / 1000;
  optimizer.apply(gradients, 0.03);
  method.afterStep(context);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...gradients.values()]);
  const cpu = process.cpuUsage(startedCpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    waitSeconds,
    allreduceSeconds,
    loss,
  };
}

const timings = [];
for (let step = 0; step < warmup + steps; step += 1) {
  group.barrier();
  const mine = trainingStep(step);
  const all = group.allgather(
    new Float32Array([
      mine.seconds,
      mine.cpuSeconds,
      mine.allreduceSeconds,
      mine.loss,
      mine.waitSeconds,
    ]),
  );
  const timing = {
    seconds: Math.max(...all.map((part) => part[0])),
    cpuSeconds: all.reduce((sum, part) => sum + part[1], 0),
    allreduceSeconds: Math.max(...all.map((part) => part[2])),
    loss: all.reduce((sum, part) => sum + part[3], 0) / all.length,
    waitSeconds: Math.max(...all.map((part) => part[4])),
  };
  timings.push(timing);
  if (group.rank === 0)
    process.stderr.write(
      `ssdet DenseCL np ${group.size} step ${step}: ${timing.seconds.toFixed(2)} s` +
        ` (gradient allreduce ${(timing.allreduceSeconds * 1000).toFixed(0)} ms after waiting` +
        ` ${(timing.waitSeconds * 1000).toFixed(0)} ms for the slower rank)\n`,
    );
}

const timed = timings.slice(warmup);
const mean = (key) => timed.reduce((sum, timing) => sum + timing[key], 0) / timed.length;
if (group.rank === 0) {
  process.stdout.write(
    `${JSON.stringify({
      side: 'ssdet',
      backend,
      threads: Number(process.env['SSDET_NATIVE_THREADS'] ?? 0) || null,
      mpi: group.libraryVersion,
      ranks: group.size,
      perRankBatch: localBatch,
      size,
      steps: timings.map((timing) => timing.seconds),
      seconds: mean('seconds'),
      cpuSeconds: mean('cpuSeconds'),
      allreduceSeconds: mean('allreduceSeconds'),
      waitSeconds: mean('waitSeconds'),
      loss: timed.at(-1).loss,
    })}\n`,
  );
}
method.dispose?.();
optimizer.dispose();
