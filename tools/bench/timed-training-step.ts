import {
  clipByGlobalNorm,
  type Batch,
  type Optimizer,
  type PretrainMethod,
  type StepContext,
} from '@ssdet/core';
import * as tf from '@tensorflow/tfjs-core';

/** Wall and CPU time of one step (CPU over wall above 1 means more than one core worked). */
export interface StepTiming {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

/**
 * One training step of a method as the Trainer takes it — loss, gradients of its trainable
 * variables, their clipping to the global norm `clipGradNorm` when given (DETR-style recipes),
 * the optimizer update at `learningRate`, then `afterStep` (EMA, queues) — waited for to the end
 * (the loss read back) and timed, for the method benchmarks.
 */
export function timedTrainingStep(
  method: PretrainMethod,
  optimizer: Optimizer,
  batch: Batch,
  context: StepContext,
  learningRate: number,
  clipGradNorm?: number,
): StepTiming {
  const started = performance.now();
  const startedCpu = process.cpuUsage();
  const trainable = method.trainableVariables();
  const ownName = new Map([...trainable].map(([name, variable]) => [variable.name, name]));
  const { value, grads } = tf.variableGrads(
    () => method.loss(batch, context).total,
    [...trainable.values()],
  );
  const named = new Map(
    Object.entries(grads).map(([tfName, gradient]) => [ownName.get(tfName)!, gradient]),
  );
  const clipped =
    clipGradNorm === undefined ? named : clipByGlobalNorm(named, clipGradNorm).gradients;
  optimizer.apply(clipped, learningRate);
  method.afterStep?.(context);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads), ...(clipped === named ? [] : clipped.values())]);
  const cpu = process.cpuUsage(startedCpu);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}
