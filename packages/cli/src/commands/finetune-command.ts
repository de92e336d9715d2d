import path from 'node:path';
import type { BackendRequest, EventBus } from '@ssdet/core';
import { COCO_STAT_NAMES, runFinetune, type FinetuneOutcome } from '@ssdet/transfer';
import type { CliIo } from '../io.js';
import { renderProgress } from '../render/render-progress.js';
import { discoverForCli } from './discover.js';
import { onStopSignals } from './stop-signals.js';
import { defaultRunDirectory } from './default-run-directory.js';

export interface FinetuneCommandOptions {
  readonly detector: string;
  readonly init: string;
  readonly train: string;
  readonly val: string;
  readonly images?: string;
  readonly out?: string;
  readonly config?: string;
  readonly set: readonly string[];
  readonly backbone?: string;
  readonly imageSize?: number;
  readonly batchSize?: number;
  readonly epochs?: number;
  readonly maxSteps?: number;
  readonly seed?: number;
  readonly resume: boolean;
  readonly force: boolean;
  readonly backend: BackendRequest;
  readonly plugin: readonly string[];
}

/**
 * `ssdet finetune`: fine-tunes a detector from `--init` on `--train`, evaluates `--val` as COCOeval
 * does, and leaves a run directory with checkpoints, metrics, TensorBoard events and eval.json.
 */
export async function finetuneCommand(
  options: FinetuneCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const { root } = await discoverForCli(io.cwd, bus, options.plugin, true);
  const runDir = path.resolve(
    io.cwd,
    options.out ?? defaultRunDirectory(`finetune-${options.detector}`),
  );
  const resolve = (file: string): string => path.resolve(io.cwd, file);
  const stop = onStopSignals(io);
  const stopRendering = renderProgress(bus, io);
  let outcome: FinetuneOutcome;
  try {
    outcome = await runFinetune(root, {
      init: options.init === 'random' ? 'random' : resolve(options.init),
      train: resolve(options.train),
      val: resolve(options.val),
      ...(options.images === undefined ? {} : { images: resolve(options.images) }),
      outDir: runDir,
      ...(options.config === undefined ? {} : { configFile: resolve(options.config) }),
      sets: options.set,
      flags: {
        detector: options.detector,
        ...(options.backbone === undefined ? {} : { backbone: options.backbone }),
        ...(options.imageSize === undefined ? {} : { imageSize: options.imageSize }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
      },
      resume: options.resume,
      force: options.force,
      backend: options.backend,
      shouldStop: stop.requested,
    });
  } finally {
    stopRendering();
    stop.dispose();
  }
  const { result, evaluation, segmEvaluation } = outcome;
  const lines = [
    `${outcome.detector}: ${result.lastLoss === undefined ? `nothing to train, already at step ${result.position.step}/${outcome.totalSteps} (--resume --max-steps N extends it)` : `${result.stoppedEarly ? 'stopped' : 'finished'} at step ${result.position.step}/${outcome.totalSteps}, loss ${result.lastLoss.toFixed(4)}`} (init: ${outcome.initialization.scope === 'random' ? 'random' : `${outcome.initialization.scope} from ${outcome.initialization.source}`}).`,
    `Run directory: ${runDir}`,
  ];
  if (result.lastCheckpoint !== undefined)
    lines.push(
      `  checkpoint:  ${result.lastCheckpoint}${result.stoppedEarly ? ' (continue with --resume)' : ''}`,
    );
  if (evaluation !== undefined) {
    lines.push(`  eval:        ${outcome.evalFile!}`);
    lines.push(
      `    ${''.padEnd(6)} ${'bbox'.padStart(5)}${segmEvaluation === undefined ? '' : '  segm'}`,
    );
    COCO_STAT_NAMES.forEach((name, i) =>
      lines.push(
        `    ${name.padEnd(6)} ${evaluation.stats[i]!.toFixed(3)}${segmEvaluation === undefined ? '' : ` ${segmEvaluation.stats[i]!.toFixed(3)}`}`,
      ),
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
