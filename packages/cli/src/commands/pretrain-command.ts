import path from 'node:path';
import {
  type BackendRequest,
  type EventBus,
  type ProcessGroup,
  type TrainerResult,
} from '@ssdet/core';
import { runPretraining, type PretrainOutcome } from '@ssdet/data';
import type { CliIo } from '../io.js';
import { renderProgress } from '../render/render-progress.js';
import { discoverForCli } from './discover.js';
import { type DistributedMode, openDistributed } from './open-distributed.js';
import { onStopSignals } from './stop-signals.js';
import { defaultRunDirectory } from './default-run-directory.js';

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
  readonly force: boolean;
  readonly backend: BackendRequest;
  readonly seed?: number;
  readonly dryRun: boolean;
  readonly plugin: readonly string[];
  /** `--distributed`: data-parallel over MPI when launched by mpirun/srun (auto), always (mpi), never (none). */
  readonly distributed?: DistributedMode;
  /** `--sync-bn`: train.syncBn = true. */
  readonly syncBn?: boolean;
}

/**
 * `ssdet pretrain`: one run, with a progress display, clean checkpoint-and-exit on the first
 * SIGINT/SIGTERM (a second one exits at once), and the exported backbone at the end. Under
 * `mpirun`/`srun` each process is one rank of a data-parallel run; rank 0 alone shows progress,
 * writes the run and prints the summary.
 */
export async function pretrainCommand(
  options: PretrainCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const group = await openDistributed(options.distributed ?? 'auto');
  return pretrainInGroup(options, io, bus, group);
}

async function pretrainInGroup(
  options: PretrainCommandOptions,
  io: CliIo,
  bus: EventBus,
  group: ProcessGroup,
): Promise<number> {
  const { root, registry } = await discoverForCli(io.cwd, bus, options.plugin, true);
  // Rank 0's name for the run; the other ranks never create or write it.
  const runDir = path.resolve(io.cwd, options.out ?? defaultRunDirectory(options.method));
  const stop = onStopSignals(io);
  const stopRendering = group.rank === 0 ? renderProgress(bus, io) : () => undefined;
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
        ...(options.syncBn === true ? { syncBn: true } : {}),
      },
      outDir: runDir,
      resume: options.resume,
      force: options.force,
      backend: options.backend,
      dryRun: options.dryRun,
      shouldStop: stop.requested,
      ...(group.size === 1 ? {} : { processGroup: group }),
    });
  } finally {
    stopRendering();
    stop.dispose();
  }

  if (group.rank !== 0) return 0;
  if (options.dryRun) {
    io.stdout(
      `Dry run of ${options.method} on ${outcome.datasetDescription}: ${outcome.totalSteps} steps (${outcome.stepsPerEpoch} per epoch) on ${outcome.backend.backend}.\n`,
    );
    io.stdout(`${JSON.stringify(outcome.config, null, 2)}\n`);
    return 0;
  }
  const result = outcome.result!;
  const lines = [summaryLine(result, outcome.totalSteps), `Run directory: ${runDir}`];
  if (result.lastCheckpoint !== undefined)
    lines.push(
      `  checkpoint:  ${result.lastCheckpoint}${result.stoppedEarly ? ' (continue with --resume)' : ''}`,
    );
  lines.push(
    `  metrics:     ${path.join(runDir, 'metrics.jsonl')} (TensorBoard: tensorboard --logdir ${runDir})`,
  );
  if (outcome.backboneFile !== undefined)
    lines.push(`  backbone:    ${outcome.backboneFile} (torchvision names and layout)`);
  const artifacts = Object.keys(outcome.method.exports());
  if (artifacts.length > 0)
    lines.push(
      `  exportable:  ${artifacts.join(', ')} (ssdet export --run ${runDir} --artifact <name> --out <file>)`,
    );
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

/** "Finished at step 30/30, loss 1.2345." — or, for a resumed run with nothing left, what to do. */
function summaryLine(result: TrainerResult, totalSteps: number): string {
  const where = `step ${result.position.step}/${totalSteps}`;
  if (result.lastLoss === undefined)
    return `Nothing to train: the run is already at ${where}. Pass --resume --max-steps N (N > ${result.position.step}) to extend it.`;
  return `${result.stoppedEarly ? 'Stopped' : 'Finished'} at ${where}, loss ${result.lastLoss.toFixed(4)}.`;
}
