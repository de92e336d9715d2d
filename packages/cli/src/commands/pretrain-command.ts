import path from 'node:path';
import { type BackendRequest, type EventBus } from '@ssdet/core';
import { runPretraining, type PretrainOutcome } from '@ssdet/data';
import type { CliIo } from '../io.js';
import { renderProgress } from '../render/render-progress.js';
import { discoverForCli } from './discover.js';
import { onStopSignals } from './stop-signals.js';

export interface PretrainCommandOptions {
  readonly method: string;
  readonly data?: string;
  readonly demo: boolean;
  readonly preset?: string;
  readonly config?: string;
  readonly set: readonly string[];
  readonly backbone?: string;
  readonly imageSize?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly maxSteps?: number;
  readonly out?: string;
  readonly resume: boolean;
  readonly backend: BackendRequest;
  readonly seed?: number;
  readonly dryRun: boolean;
  readonly plugin: readonly string[];
}

/**
 * `ssdet pretrain`: one run, with a progress display, clean checkpoint-and-exit on the first
 * SIGINT/SIGTERM (a second one exits at once), and the exported backbone at the end.
 */
export async function pretrainCommand(
  options: PretrainCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { root, registry } = await discoverForCli(io.cwd, bus, options.plugin, true);
  const runDir = path.resolve(
    io.cwd,
    options.out ?? path.join('runs', `${options.method}-${timestamp()}`),
  );
  const stop = onStopSignals(io);
  const stopRendering = renderProgress(bus, io);
  let outcome: PretrainOutcome;
  try {
    outcome = await runPretraining(root, registry, {
      method: options.method,
      ...(options.data === undefined ? {} : { data: path.resolve(io.cwd, options.data) }),
      demo: options.demo,
      ...(options.preset === undefined ? {} : { preset: options.preset }),
      ...(options.config === undefined ? {} : { configFile: path.resolve(io.cwd, options.config) }),
      sets: options.set,
      flags: {
        ...(options.backbone === undefined ? {} : { backbone: options.backbone }),
        ...(options.imageSize === undefined ? {} : { imageSize: options.imageSize }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      },
      outDir: runDir,
      resume: options.resume,
      backend: options.backend,
      dryRun: options.dryRun,
      shouldStop: stop.requested,
    });
  } finally {
    stopRendering();
    stop.dispose();
  }

  if (options.dryRun) {
    io.stdout(
      `Dry run of ${options.method} on ${outcome.datasetDescription}: ${outcome.totalSteps} steps (${outcome.stepsPerEpoch} per epoch) on ${outcome.backend.backend}.\n`,
    );
    io.stdout(`${JSON.stringify(outcome.config, null, 2)}\n`);
    return 0;
  }
  const result = outcome.result!;
  const lines = [
    `${result.stoppedEarly ? 'Stopped' : 'Finished'} at step ${result.position.step}/${outcome.totalSteps}, loss ${result.lastLoss.toFixed(4)}.`,
    `Run directory: ${runDir}`,
  ];
  if (result.lastCheckpoint !== undefined)
    lines.push(
      `  checkpoint:  ${result.lastCheckpoint}${result.stoppedEarly ? ' (continue with --resume)' : ''}`,
    );
  lines.push(
    `  metrics:     ${path.join(runDir, 'metrics.jsonl')} (TensorBoard: tensorboard --logdir ${runDir})`,
  );
  if (outcome.backboneFile !== undefined)
    lines.push(`  backbone:    ${outcome.backboneFile} (torchvision names and layout)`);
  if (outcome.backboneChain !== undefined)
    lines.push(
      `  frozen CNN:  the backbone of the ${outcome.backboneChain.method} demo run ${outcome.backboneChain.runDir}${outcome.backboneChain.reused ? ' (reused)' : ''}`,
    );
  if (outcome.badImages.length > 0)
    lines.push(
      `  skipped ${outcome.badImages.length} bad image(s): ${path.join(runDir, 'bad-images.txt')}`,
    );
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}
