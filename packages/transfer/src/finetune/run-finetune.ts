import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import {
  type BackendRequest,
  type BackendSelection,
  CheckpointManager,
  claimRunDirectory,
  clipByGlobalNorm,
  CNN_TRAINING_KERNELS,
  type ConfigObject,
  type DependencyContainer,
  CORE_VERSION_STRING,
  createOptimizer,
  deepMerge,
  EVENT_BUS,
  fileSystemError,
  JsonlMetricsSink,
  LOGGER,
  parseConfig,
  parseSetOverrides,
  readConfigFile,
  resolveToken,
  restoreVariables,
  resumeConfig,
  Rng,
  selectBackend,
  SsdetError,
  TensorBoardSink,
  Trainer,
  type TrainerPosition,
  type TrainerResult,
  writeFileAtomically,
  writeRunReport,
} from '@ssdet/core';
import { DataLoader } from '@ssdet/data';
import { evaluateCoco, type CocoEvaluation } from '../coco/coco-eval.js';
import type { CocoResult } from '../coco/coco-format.js';
import { COCO_STAT_NAMES } from '../coco/summarize.js';
import { LabeledDataset } from '../datasets/labeled-dataset.js';
import { readLabeledSplit } from '../datasets/labeled-split.js';
import { exportStateDict, writeSafetensors } from '@ssdet/nn';
import { buildFinetuneDetector, type FinetuneDetectorName } from './build-detector.js';
import { DetectionViews } from './detection-views.js';
import { detectImages, toCocoResults } from './detect-images.js';
import { DetectorTraining } from './detector-training.js';
import type * as tf from '@tensorflow/tfjs-core';
import {
  DEFORMABLE_DETR_PRESET,
  DETR_PRESET,
  finetuneConfigSchema,
  finetuneLearningRate,
  type FinetuneConfig,
} from './finetune-config.js';
import { initializeDetector, type Initialization } from './initialize-detector.js';
import { pretrainedDetrDetector } from './pretrained-detector.js';

/** What `ssdet finetune` asks for. */
export interface FinetuneRequest {
  /** `random`, a pre-training run directory, or a weights file. */
  readonly init: string;
  /** `--train` / `--val`: COCO json or VOC XML folder. */
  readonly train: string;
  readonly val: string;
  /** `--images`: where images are when annotation file names do not resolve. */
  readonly images?: string;
  readonly outDir: string;
  readonly configFile?: string;
  /** Configuration objects merged over the defaults before `--config` (the benchmark's preset). */
  readonly base?: ConfigObject;
  readonly sets?: readonly string[];
  readonly flags?: {
    readonly detector?: string;
    readonly backbone?: string;
    readonly imageSize?: number;
    readonly batchSize?: number;
    readonly epochs?: number;
    readonly maxSteps?: number;
    readonly seed?: number;
  };
  /** Continue the run in `outDir` (only `flags.maxSteps` / `flags.epochs` apply; other flags are reported as ignored). */
  readonly resume?: boolean;
  /** Replace the run `outDir` holds. Without it, or `resume`, a non-empty `outDir` is refused. */
  readonly force?: boolean;
  readonly backend?: BackendRequest;
  readonly shouldStop?: () => boolean;
}

export interface FinetuneOutcome {
  readonly runDir: string;
  readonly config: FinetuneConfig;
  readonly backend: BackendSelection;
  readonly initialization: Initialization;
  readonly totalSteps: number;
  readonly result: TrainerResult;
  /** The detector trained (`auto` resolved). */
  readonly detector: FinetuneDetectorName;
  /** Box AP; undefined when the run stopped early (no evaluation then). */
  readonly evaluation?: CocoEvaluation;
  /** Mask AP (Mask R-CNN). */
  readonly segmEvaluation?: CocoEvaluation;
  readonly evalFile?: string;
}

/**
 * One fine-tune, end to end: configuration (defaults ← base ← --config ← flags ← --set), backend,
 * the labeled splits (class ids from the training split), the detector on a registered backbone,
 * `--init`, the core trainer (checkpoints, resume, metrics.jsonl, TensorBoard), and at the end a
 * COCO evaluation of the validation split into `eval.json` and `detections.json`.
 */
export async function runFinetune(
  root: DependencyContainer,
  request: FinetuneRequest,
): Promise<FinetuneOutcome> {
  const logger = resolveToken(root, LOGGER).child('finetune');
  const runDir = path.resolve(request.outDir);
  // The run directory is this run's alone from here on: not another run's, not shared.
  const claim = await claimRunDirectory(runDir, {
    ...(request.resume === undefined ? {} : { resume: request.resume }),
    ...(request.force === undefined ? {} : { force: request.force }),
    logger,
  });
  try {
    return await finetuneInRunDirectory(root, request, runDir);
  } catch (error) {
    // A read-only or full disk is the user's to fix: one line naming the path, not a stack.
    throw fileSystemError(error, runDir) ?? error;
  } finally {
    await claim.release();
  }
}

async function finetuneInRunDirectory(
  root: DependencyContainer,
  request: FinetuneRequest,
  runDir: string,
): Promise<FinetuneOutcome> {
  const logger = resolveToken(root, LOGGER).child('finetune');
  const bus = resolveToken(root, EVENT_BUS);
  const checkpoints = new CheckpointManager(path.join(runDir, 'checkpoints'), 1, logger);
  const resumePoint = request.resume === true ? await checkpoints.loadLatest() : undefined;
  if (request.resume === true && resumePoint === undefined)
    logger.warn(`--resume: no checkpoint in ${checkpoints.directory}; starting from scratch.`);

  let rawConfig: ConfigObject;
  if (resumePoint !== undefined) {
    const { detector, ...flags } = request.flags ?? {};
    rawConfig = resumeConfig(
      resumePoint.meta.config as ConfigObject,
      {
        // The CLI always passes --detector (default auto): only a choice counts as a flag.
        flags: { ...flags, ...(detector === 'auto' ? {} : { detector }) },
        ...(request.configFile === undefined ? {} : { configFile: request.configFile }),
        ...(request.sets === undefined ? {} : { sets: request.sets }),
      },
      logger,
    );
  } else {
    const layers = [
      request.base ?? {},
      request.configFile === undefined ? {} : await readConfigFile(request.configFile),
      flagLayer(request.flags),
      parseSetOverrides(request.sets ?? []),
    ];
    // DETR's recipe, then what the pre-training run fixes (its backbone, a DETR's shape), go
    // under everything the user said.
    // `--detector auto` on a DETR-family run is the detector it pre-trained (its layer names it).
    const fromRun = await pretrainingLayer(request.init);
    const asked = deepMerge(fromRun, ...layers)['detector'];
    const preset =
      asked === 'detr' ? DETR_PRESET : asked === 'deformable-detr' ? DEFORMABLE_DETR_PRESET : {};
    rawConfig = deepMerge(preset as unknown as ConfigObject, fromRun, ...layers);
  }
  const config = parseConfig(finetuneConfigSchema, rawConfig, 'the fine-tune configuration');

  const backend = await selectBackend({
    request: request.backend ?? 'auto',
    requiredKernels: CNN_TRAINING_KERNELS,
    bus,
  });
  const trainSplit = await readLabeledSplit(request.train, {
    flag: '--train',
    ...(request.images === undefined ? {} : { images: request.images }),
  });
  const categories = [...trainSplit.groundTruth.categories].sort((a, b) => a.id - b.id);
  const valSplit = await readLabeledSplit(request.val, {
    flag: '--val',
    ...(request.images === undefined ? {} : { images: request.images }),
    classes: categories.map((category) => category.name ?? String(category.id)),
  });
  const categoryIds = categories.map((category) => category.id);
  const trainData = new LabeledDataset(trainSplit, categoryIds);
  const valData = new LabeledDataset(valSplit, categoryIds);
  for (const warning of trainData.warnings) logger.warn(warning);

  const detectorName =
    config.detector === 'auto'
      ? trainData.hasMasks
        ? 'mask-rcnn'
        : 'faster-rcnn'
      : config.detector;
  if (detectorName === 'mask-rcnn' && !trainData.hasMasks)
    throw new SsdetError(
      'FINETUNE_NO_MASKS',
      `--detector mask-rcnn needs instance masks, but no annotation of --train ${request.train} has a segmentation.`,
      { hint: 'Use --detector faster-rcnn, or annotations with polygon or RLE segmentations.' },
    );
  const withMasks = detectorName === 'mask-rcnn';
  const rng = Rng.fromSeed(config.train.seed);
  const detector = buildFinetuneDetector(
    root,
    config,
    detectorName,
    categoryIds.length + 1,
    rng.fork('detector'),
  );
  const initialization =
    resumePoint === undefined
      ? await initializeDetector(detector, request.init)
      : { source: resumePoint.file, scope: 'detector' as const, loaded: 0, missing: [] };
  logger.info(
    initialization.scope === 'random'
      ? 'init: random'
      : `init: ${initialization.scope} from ${initialization.source} (${initialization.loaded} tensors)`,
  );

  const trainViews = new DetectionViews({
    shorterSides: config.input.shorterSides,
    maxSize: config.input.maxSize,
    flip: config.input.flip,
    masks: withMasks,
  });
  const evalViews = new DetectionViews({
    shorterSides: config.input.shorterSides,
    maxSize: config.input.maxSize,
    flip: false,
  });
  const method = new DetectorTraining(detector, trainViews, detectorName);
  const trainable = method.trainableVariables();
  const backboneVariables = new Set(detector.backbone.variables().values());
  const optimizer = createOptimizer(config.train.optimizer, [
    {
      name: 'backbone',
      variables: new Map([...trainable].filter(([, v]) => backboneVariables.has(v))),
      lrMultiplier: config.train.backboneLrMultiplier,
    },
    {
      name: 'heads',
      variables: new Map([...trainable].filter(([, v]) => !backboneVariables.has(v))),
    },
  ]);
  const loader = new DataLoader(trainData, trainViews, rng.fork('data'), {
    batchSize: config.train.batchSize,
    concurrency: config.train.concurrency,
    onBadImage: config.train.onBadImage,
    warn: (message) => logger.warn(message),
  });
  const stepsPerEpoch = loader.batchesPerEpoch;
  if (stepsPerEpoch < 1) {
    await loader.close();
    throw new SsdetError(
      'DATASET_TOO_SMALL',
      `--train ${request.train} has ${trainData.size} images: fewer than one batch of ${config.train.batchSize}.`,
      { hint: 'Lower --batch-size or add images.' },
    );
  }
  const totalSteps = config.train.maxSteps ?? config.train.epochs * stepsPerEpoch;

  await mkdir(runDir, { recursive: true });
  await writeFileAtomically(
    path.join(runDir, 'config.yaml'),
    toYaml({ finetune: config, init: request.init }),
  );
  let start: TrainerPosition = { step: 0, epoch: 0, cursor: 0 };
  if (resumePoint !== undefined) {
    restoreVariables(
      Trainer.checkpointVariables(method, optimizer),
      resumePoint.tensors,
      resumePoint.file,
    );
    start = {
      step: resumePoint.meta.step,
      epoch: resumePoint.meta.epoch,
      cursor: resumePoint.meta.cursor,
    };
    bus.emit('train.resumed', { file: resumePoint.file, step: start.step, epoch: start.epoch });
  }
  const sinks = [
    new JsonlMetricsSink(path.join(runDir, 'metrics.jsonl'), { resumeFromStep: start.step }),
    new TensorBoardSink(runDir, { resumeFromStep: start.step }),
  ];
  /** COCO evaluation of the validation split with the detector as it is at `step`. */
  const validate = async (step: number) => {
    const detections = await detectImages(
      detector,
      valData,
      evalViews,
      categoryIds,
      config.train.batchSize,
    );
    const results = toCocoResults(detections);
    const bbox = evaluateCoco(valSplit.groundTruth, results, 'bbox');
    const masks = withMasks ? evaluateCoco(valSplit.groundTruth, results, 'segm') : undefined;
    lastValidation = { step, evaluation: bbox, segm: masks, results };
    return lastValidation;
  };
  let lastValidation:
    | {
        step: number;
        evaluation: CocoEvaluation;
        segm: CocoEvaluation | undefined;
        results: CocoResult[];
      }
    | undefined;
  const trainer = new Trainer({
    method,
    loader,
    optimizer,
    learningRate: (step) => finetuneLearningRate(step, totalSteps, config.train),
    totalSteps,
    ...(config.train.clipGradNorm === undefined
      ? {}
      : {
          clipGradients: (gradients: Map<string, tf.Tensor>) =>
            clipByGlobalNorm(gradients, config.train.clipGradNorm!).gradients,
        }),
    checkpoints: checkpoints.keepLast(config.train.keepCheckpoints),
    checkpointEvery: config.train.checkpointEvery,
    checkpointMeta: {
      rng: rng.saveState(),
      config: rawConfig,
      versions: {
        core: CORE_VERSION_STRING,
        plugin: { name: method.name, version: CORE_VERSION_STRING },
      },
      exports: {
        detector: Object.fromEntries(
          [...detector.variables().keys()].map((name) => [name, `model/${name}`]),
        ),
      },
    },
    sinks,
    logEvery: config.train.logEvery,
    rng: rng.fork('steps'),
    backend: backend.backend,
    bus,
    ...(request.shouldStop === undefined ? {} : { shouldStop: request.shouldStop }),
    // Validation AP goes into metrics.jsonl, TensorBoard and the report during training.
    evaluate: {
      every: config.train.evalEvery ?? totalSteps,
      run: async (step) => {
        const { evaluation, segm } = await validate(step);
        const named: Record<string, number> = {};
        COCO_STAT_NAMES.forEach((name, i) => {
          named[`bbox/${name}`] = evaluation.stats[i]!;
          if (segm !== undefined) named[`segm/${name}`] = segm.stats[i]!;
        });
        return named;
      },
    },
  });
  let result: TrainerResult;
  try {
    result = await trainer.run(start);
  } finally {
    await Promise.all(sinks.map((sink) => sink.close()));
    await loader.close();
  }
  const outcome = {
    runDir,
    config,
    detector: detectorName,
    backend,
    initialization,
    totalSteps,
    result,
  };
  if (result.stoppedEarly) return outcome;
  await writeFileAtomically(
    path.join(runDir, 'classes.json'),
    `${JSON.stringify(categories.map(({ id, name }) => ({ id, name: name ?? String(id) })))}\n`,
  );
  await writeFileAtomically(
    path.join(runDir, 'detector.safetensors'),
    writeSafetensors(exportStateDict(detector), {
      format: 'pt',
      producer: 'ssdet',
      detector: detectorName,
    }),
  );

  const { evaluation, segm, results } =
    lastValidation?.step === result.position.step
      ? lastValidation
      : await validate(result.position.step);
  await writeRunReport(runDir).catch((error: unknown) =>
    logger.warn(`report.html not written: ${(error as Error).message}`),
  );
  const evalFile = path.join(runDir, 'eval.json');
  await writeFileAtomically(
    evalFile,
    `${JSON.stringify({ bbox: evaluation, ...(segm === undefined ? {} : { segm }) }, null, 2)}\n`,
  );
  await writeFileAtomically(path.join(runDir, 'detections.json'), `${JSON.stringify(results)}\n`);
  logger.info(
    `val ${valSplit.description}: ${COCO_STAT_NAMES.slice(0, 3)
      .map((name, i) => `${name} ${evaluation.stats[i]!.toFixed(3)}`)
      .join(', ')}`,
  );
  if (segm !== undefined)
    logger.info(
      `val segm: ${COCO_STAT_NAMES.slice(0, 3)
        .map((name, i) => `${name} ${segm.stats[i]!.toFixed(3)}`)
        .join(', ')}`,
    );
  return {
    ...outcome,
    detector: detectorName,
    evaluation,
    ...(segm === undefined ? {} : { segmEvaluation: segm }),
    evalFile,
  };
}

/**
 * What a pre-training run directory given to `--init` fixes: its backbone (architecture and
 * width) and, for a DETR-family run, the transformer's shape and query count — and the detector
 * it pre-trained, which `--detector auto` (the default) then fine-tunes.
 */
export async function pretrainingLayer(init: string): Promise<ConfigObject> {
  const file = path.join(path.resolve(init), 'config.yaml');
  if (init === 'random' || !existsSync(file)) return {};
  const stored = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown> | null;
  const layer: ConfigObject = {};
  const backbone = stored?.['backbone'] as Record<string, unknown> | undefined;
  if (typeof backbone?.['arch'] === 'string')
    layer['backbone'] = {
      arch: backbone['arch'],
      ...(typeof backbone['widthMultiplier'] === 'number'
        ? { widthMultiplier: backbone['widthMultiplier'] }
        : {}),
    };
  const transformer = stored?.['transformer'] as Record<string, unknown> | undefined;
  if (transformer !== undefined) {
    // A DETR-family run's transformer shape goes to the section of the detector it pre-trained.
    const detector = pretrainedDetrDetector(stored);
    const deformable = detector === 'deformable-detr';
    const keys = deformable
      ? [
          'dModel',
          'numHeads',
          'dimFeedforward',
          'encoderLayers',
          'decoderLayers',
          'dropout',
          'numLevels',
          'numPoints',
        ]
      : [
          'dModel',
          'numHeads',
          'dimFeedforward',
          'encoderLayers',
          'decoderLayers',
          'dropout',
          'preNorm',
        ];
    const section: ConfigObject = {};
    for (const key of keys)
      if (transformer[key] !== undefined) section[key] = transformer[key] as number | boolean;
    if (typeof stored?.['numQueries'] === 'number') section['numQueries'] = stored['numQueries'];
    layer[deformable ? 'deformableDetr' : 'detr'] = section;
    layer['detector'] = detector;
  }
  return layer;
}

function flagLayer(flags: FinetuneRequest['flags']): ConfigObject {
  if (flags === undefined) return {};
  const layer: ConfigObject = {};
  const train: ConfigObject = {};
  if (flags.detector !== undefined) layer['detector'] = flags.detector;
  if (flags.backbone !== undefined) layer['backbone'] = { arch: flags.backbone };
  if (flags.imageSize !== undefined) layer['input'] = imageSizeInput(flags.imageSize);
  if (flags.batchSize !== undefined) train['batchSize'] = flags.batchSize;
  if (flags.epochs !== undefined) train['epochs'] = flags.epochs;
  if (flags.maxSteps !== undefined) train['maxSteps'] = flags.maxSteps;
  if (flags.seed !== undefined) train['seed'] = flags.seed;
  if (Object.keys(train).length > 0) layer['train'] = train;
  return layer;
}

/**
 * `--image-size N`: evaluate at shorter side N, train multi-scale from 0.8·N to N in steps of
 * 32 (detectron2's 640…800 for N = 800), longer side at most 5/3·N (1333 for 800).
 */
export function imageSizeInput(size: number): ConfigObject {
  const sides: number[] = [];
  for (let side = Math.round((0.8 * size) / 32) * 32; side < size; side += 32) sides.push(side);
  sides.push(size);
  return { shorterSides: sides, maxSize: Math.ceil((size * 5) / 3) };
}
