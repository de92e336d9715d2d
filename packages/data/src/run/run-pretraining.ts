import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { stringify as toYaml } from 'yaml';
import {
  type BackendRequest,
  type BackendSelection,
  bindMethod,
  broadcastVariables,
  checkResumeWorldSize,
  CheckpointManager,
  type CheckpointMeta,
  claimRunDirectory,
  clipByGlobalNorm,
  CNN_TRAINING_KERNELS,
  type ConfigObject,
  CORE_VERSION_STRING,
  createOptimizer,
  deepMerge,
  EVENT_BUS,
  EXPORTED_BACKBONE_FILE,
  fileSystemError,
  isSsdetError,
  learningRateAt,
  LOGGER,
  type NamedVariables,
  parseConfig,
  parseSetOverrides,
  type PluginRegistry,
  PRETRAIN_METHOD,
  type PretrainMethod,
  type ProcessGroup,
  readConfigFile,
  type RegisteredMethod,
  resolvePluginConfig,
  resolveToken,
  restoreVariables,
  resumeConfig,
  Rng,
  RUN_RNG,
  selectBackend,
  SINGLE_PROCESS,
  SsdetError,
  Trainer,
  type TrainerPosition,
  type TrainerResult,
  type TrainingConfig,
  trainingConfigSchema,
  VIEW_GENERATOR,
  writeFileAtomically,
} from '@ssdet/core';
import { exportStateDict, writeSafetensors } from '@ssdet/nn';
import { DataLoader } from '../data-loader.js';
import { CocoDataset } from '../datasets/coco-dataset.js';
import { openDataset } from '../datasets/open-dataset.js';
import { ensureDemoDataset } from '../synthetic/demo-dataset.js';
import { WorkerSampleProcessor } from '../workers/worker-sample-processor.js';
import { saveViewPreviews } from '../previews/save-view-previews.js';
import { type BackboneChain, settlePretrainedBackbone } from './pretrained-backbone-chain.js';
import { describeDataset } from './describe-dataset.js';
import { openRunSinks } from './run-sinks.js';

/** What `ssdet pretrain` asks for. */
export interface PretrainRequest {
  readonly method: string;
  /** `--data`: image folder, COCO json or list file. */
  readonly data?: string;
  /** `--demo`: the bundled synthetic data and the plugin's `demo` preset. */
  readonly demo?: boolean;
  /** `--preset`: one of the plugin's named partial configs (not with `demo`, which is the `demo` preset). */
  readonly preset?: string;
  readonly configFile?: string;
  /** `--set key.path=value` overrides, applied last. */
  readonly sets?: readonly string[];
  /** Shortcut flags, mapped to config keys (`--batch-size` → train.batchSize, …). */
  readonly flags?: {
    readonly backbone?: string;
    readonly imageSize?: number;
    readonly batchSize?: number;
    readonly epochs?: number;
    readonly maxSteps?: number;
    readonly seed?: number;
    /** `--sync-bn` → train.syncBn. */
    readonly syncBn?: boolean;
  };
  readonly outDir: string;
  /**
   * Continue the run in `outDir` from its newest valid checkpoint, with the configuration stored
   * there; only `flags.maxSteps` / `flags.epochs` (its length) apply, other flags are reported as
   * ignored.
   */
  readonly resume?: boolean;
  /** Replace the run `outDir` holds (its run files are removed first). Without it, or `resume`, a non-empty `outDir` is refused. */
  readonly force?: boolean;
  readonly backend?: BackendRequest;
  /** Resolve and validate everything, print the plan, train nothing. */
  readonly dryRun?: boolean;
  readonly shouldStop?: () => boolean;
  /** Where the demo dataset is generated. */
  readonly cacheDir?: string;
  /**
   * The data-parallel group when the run is one rank of `mpirun -np N` (default: one process).
   * `train.batchSize` stays the global batch; each rank trains on its shard, rank 0 alone claims
   * and writes the run directory. Resuming reads the checkpoint on every rank (the run directory
   * must be on a file system all ranks see).
   */
  readonly processGroup?: ProcessGroup;
}

export interface PretrainOutcome {
  readonly runDir: string;
  readonly config: ConfigObject;
  readonly backend: BackendSelection;
  readonly datasetDescription: string;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** Undefined for a dry run. */
  readonly result?: TrainerResult;
  readonly method: PretrainMethod;
  readonly resumedFrom?: string;
  readonly badImages: readonly { readonly file: string; readonly reason: string }[];
  /** The exported backbone of a finished run (`backbone.safetensors`, torchvision names and layout). */
  readonly backboneFile?: string;
  /** For a method on a frozen pre-trained CNN built by `--demo`: the run it came from. */
  readonly backboneChain?: BackboneChain;
}

/**
 * One pre-training run, end to end: resolve the configuration (paper defaults ← demo preset ←
 * --config ← flags ← --set), pick the tensor backend, open the data, let the plugin bind its
 * method in a fresh run container, build optimizer and schedule, resume from the newest valid
 * checkpoint when asked, train, and leave a run directory with config.yaml, metrics.jsonl,
 * TensorBoard events and checkpoints/.
 */
export async function runPretraining(
  root: DependencyContainer,
  registry: PluginRegistry,
  request: PretrainRequest,
): Promise<PretrainOutcome> {
  const logger = resolveToken(root, LOGGER).child('pretrain');
  registry.get(request.method); // an unknown method fails before anything touches the disk
  if (request.data === undefined && request.demo !== true) {
    throw new SsdetError(
      'DATA_MISSING',
      'Say what to pre-train on: --data <folder | coco.json | list.txt>, or --demo for the bundled synthetic data.',
    );
  }
  const runDir = path.resolve(request.outDir);
  const group = request.processGroup ?? SINGLE_PROCESS;
  // The run directory is this run's alone from here on: not another run's, not shared. Under
  // MPI it is rank 0's: the other ranks write nothing, so they claim nothing.
  const claim =
    group.rank === 0
      ? await claimRunDirectory(runDir, {
          ...(request.resume === undefined ? {} : { resume: request.resume }),
          ...(request.force === undefined ? {} : { force: request.force }),
          checkOnly: request.dryRun === true,
          logger,
        })
      : { release: async () => undefined };
  // No rank reads the directory (--resume) before rank 0 has claimed it.
  group.barrier();
  try {
    return await pretrainInRunDirectory(root, registry, request, runDir);
  } catch (error) {
    // A read-only or full disk is the user's to fix: one line naming the path, not a stack.
    throw fileSystemError(error, runDir) ?? error;
  } finally {
    await claim.release();
  }
}

async function pretrainInRunDirectory(
  root: DependencyContainer,
  registry: PluginRegistry,
  request: PretrainRequest,
  runDir: string,
): Promise<PretrainOutcome> {
  const logger = resolveToken(root, LOGGER).child('pretrain');
  const bus = resolveToken(root, EVENT_BUS);
  const registered = registry.get(request.method);
  const { plugin } = registered;
  const checkpoints = new CheckpointManager(path.join(runDir, 'checkpoints'), 1, logger);
  const group = request.processGroup ?? SINGLE_PROCESS;
  const writes = group.rank === 0;
  const resumePoint = request.resume === true ? await checkpoints.loadLatest() : undefined;
  if (request.resume === true && resumePoint === undefined)
    logger.warn(`--resume: no checkpoint in ${checkpoints.directory}; starting from scratch.`);
  if (resumePoint !== undefined)
    checkResumeWorldSize(resumePoint.meta.worldSize, group.size, resumePoint.file);

  let config: ConfigObject;
  if (resumePoint !== undefined) {
    config = resumeConfig(
      resumePoint.meta.config as ConfigObject,
      {
        ...(request.flags === undefined ? {} : { flags: request.flags }),
        ...(request.configFile === undefined ? {} : { configFile: request.configFile }),
        ...(request.sets === undefined ? {} : { sets: request.sets }),
        ...(request.preset === undefined ? {} : { preset: request.preset }),
      },
      logger,
    );
  } else {
    const fileLayer =
      request.configFile === undefined ? {} : await readConfigFile(request.configFile);
    const overrides = deepMerge(
      fileLayer,
      flagLayer(request.flags),
      parseSetOverrides(request.sets ?? []),
    );
    if (request.demo === true && request.preset !== undefined && request.preset !== 'demo')
      throw new SsdetError(
        'PRESET_WITH_DEMO',
        `--preset ${request.preset} and --demo both choose a preset; --demo is the demo preset on the bundled data.`,
        {
          hint: 'Drop one of them; --data with --preset demo trains the demo preset on your images.',
        },
      );
    const preset = request.demo === true ? 'demo' : request.preset;
    config = resolvePluginConfig(plugin, {
      ...(preset === undefined ? {} : { preset }),
      overrides,
    }) as ConfigObject;
  }
  const train: TrainingConfig = parseConfig(
    trainingConfigSchema,
    config['train'] ?? {},
    `the "${plugin.name}" configuration, key train`,
  );

  const backend = await selectBackend({
    request: request.backend ?? 'auto',
    requiredKernels: CNN_TRAINING_KERNELS,
    bus,
  });
  const datasetLocation = request.data ?? (await ensureDemoDataset(request.cacheDir));
  const settled = await settlePretrainedBackbone({
    plugin,
    config,
    registry,
    demo: request.demo === true,
    dataLocation: datasetLocation,
    ...(request.cacheDir === undefined ? {} : { cacheDir: request.cacheDir }),
    dryRun: request.dryRun === true,
    logger,
    pretrain: async (donor) => {
      const outcome = await runPretraining(root, registry, {
        ...donor,
        demo: true,
        ...(request.backend === undefined ? {} : { backend: request.backend }),
        ...(request.shouldStop === undefined ? {} : { shouldStop: request.shouldStop }),
        ...(request.cacheDir === undefined ? {} : { cacheDir: request.cacheDir }),
        ...(request.processGroup === undefined ? {} : { processGroup: request.processGroup }),
      });
      return { finished: outcome.result?.stoppedEarly === false };
    },
  });
  config = settled.config;
  checkDataParallel(train, group.size);
  const dataset = await openDataset(datasetLocation, { maxPixels: train.data.maxPixels });
  if (dataset instanceof CocoDataset) for (const warning of dataset.warnings) logger.warn(warning);

  const rng = Rng.fromSeed(train.seed);
  const { run } = bindMethod(registry, plugin.name, config, rng, root, group);
  const method = resolveToken(run, PRETRAIN_METHOD);
  if (resolveToken(run, RUN_RNG) !== rng)
    throw new SsdetError(
      'RUN_RNG_REBOUND',
      `Plugin "${plugin.name}" rebound RUN_RNG; plugins must fork it, not replace it.`,
    );

  if (train.syncBn && method.syncBatchNorm !== true)
    logger.warn(
      `train.syncBn (--sync-bn): ${plugin.name} has no synchronised BatchNorm, so the setting has no effect; its BatchNorm statistics stay per process.`,
    );

  const groups = method.parameterGroups?.() ?? [
    { name: 'all', variables: method.trainableVariables() },
  ];
  const optimizer = createOptimizer(train.optimizer, groups);
  const processor =
    train.data.workers > 0
      ? workerProcessor(registry, registered, run, {
          datasetLocation,
          decode: { maxPixels: train.data.maxPixels },
          config,
          seed: train.seed,
          threads: train.data.workers,
          warn: (message) => logger.warn(message),
        })
      : undefined;
  const loader = new DataLoader(dataset, method.views, rng.fork('data'), {
    batchSize: train.batchSize,
    concurrency: train.data.concurrency,
    onBadImage: train.data.onBadImage,
    ...(method.regions === undefined ? {} : { regions: method.regions }),
    ...(processor === undefined ? {} : { processor }),
    warn: (message) => logger.warn(message),
    ...(group.size === 1 ? {} : { batchShard: { rank: group.rank, size: group.size } }),
  });
  const stepsPerEpoch = Math.floor(loader.batchesPerEpoch / train.accumulate);
  if (stepsPerEpoch < 1) {
    await loader.close();
    throw new SsdetError(
      'DATASET_TOO_SMALL',
      `${dataset.description} has ${dataset.size} image file(s): fewer than one optimizer step of ${train.batchSize} × ${train.accumulate}.`,
      { hint: tooSmallHint(dataset.size, train, request) },
    );
  }
  const totalSteps = train.maxSteps ?? train.epochs * stepsPerEpoch;
  if (resumePoint === undefined && request.demo !== true && request.preset === undefined)
    logger.info(
      `${plugin.name} trains the paper's full recipe except what you set: ${describeBackbone(config)}, batch ${train.batchSize}, ${totalSteps} steps. --demo --data <your images> trains the small demo recipe in minutes.`,
    );
  const outcomeBase = {
    runDir,
    config,
    backend,
    datasetDescription: dataset.description,
    totalSteps,
    stepsPerEpoch,
    method,
    ...(settled.chain === undefined ? {} : { backboneChain: settled.chain }),
  };
  if (request.dryRun === true) {
    await loader.close();
    return { ...outcomeBase, badImages: [] };
  }

  if (writes) {
    await mkdir(runDir, { recursive: true });
    await writeFileAtomically(
      path.join(runDir, 'config.yaml'),
      toYaml({ method: plugin.name, plugin: { version: plugin.version }, ...config }),
    );
    await writeFileAtomically(
      path.join(runDir, 'dataset.json'),
      `${JSON.stringify(await describeDataset(dataset), null, 2)}\n`,
    );
  }
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
  // Every rank starts from rank 0's weights and optimizer state (DDP's initial broadcast), so
  // that the identical mean gradients keep them identical.
  broadcastVariables(Trainer.checkpointVariables(method, optimizer), group);
  const sinks = writes ? openRunSinks(runDir, start.step) : [];
  const trainer = new Trainer({
    method,
    loader,
    optimizer,
    learningRate: (step) =>
      learningRateAt(
        step,
        totalSteps,
        stepsPerEpoch,
        train.schedule,
        train.optimizer.lr,
        train.batchSize * train.accumulate,
      ),
    totalSteps,
    accumulate: train.accumulate,
    ...(train.clipGradNorm === undefined
      ? {}
      : {
          clipGradients: (gradients) => clipByGlobalNorm(gradients, train.clipGradNorm!).gradients,
        }),
    checkpoints: checkpoints.keepLast(train.keepCheckpoints),
    checkpointEvery: train.checkpointEvery,
    checkpointMeta: {
      rng: rng.saveState(),
      config,
      versions: {
        core: CORE_VERSION_STRING,
        plugin: { name: plugin.name, version: plugin.version },
      },
      exports: exportIndex(method),
      worldSize: group.size,
    },
    sinks,
    logEvery: train.logEvery,
    rng: rng.fork('steps'),
    backend: backend.backend,
    bus,
    ...(request.shouldStop === undefined ? {} : { shouldStop: request.shouldStop }),
    processGroup: group,
    onFirstBatch: async (batch) => {
      // Every sample of the first batch up to a page's worth: a paper-size batch of 256 would
      // make the report megabytes of images.
      await saveViewPreviews(batch.views, path.join(runDir, 'views'), {
        maxSamples: MAX_PREVIEW_SAMPLES,
        sampleNames: batch.records.map((record) => record.id),
      });
    },
  });
  let result: TrainerResult;
  const badImagesFile = path.join(runDir, 'bad-images.txt');
  try {
    result = await trainer.run(start);
  } catch (error) {
    // Bad images are listed even when they are why the run failed.
    const skipped = loader.skippedImages();
    if (skipped.length > 0 && writes) await writeBadImages(badImagesFile, skipped);
    if (isSsdetError(error) && error.code === 'DATASET_TOO_SMALL' && skipped.length > 0)
      throw new SsdetError(
        'DATASET_TOO_SMALL',
        `${dataset.description}: ${skipped.length} of its ${dataset.size} image files cannot be used (listed in ${badImagesFile}, e.g. ${skipped[0]!.file}: ${skipped[0]!.reason}), and the rest make no full step of ${train.batchSize} × ${train.accumulate}.`,
        { hint: 'Fix or remove the bad files, add images, or lower --batch-size.' },
      );
    throw error;
  } finally {
    await Promise.all(sinks.map((sink) => sink.close()));
    await loader.close();
  }
  const backboneFile =
    result.stoppedEarly || !writes ? undefined : await exportBackbone(method, runDir, plugin.name);
  const badImages = loader.skippedImages();
  if (badImages.length > 0 && writes) await writeBadImages(badImagesFile, badImages);
  return {
    ...outcomeBase,
    result,
    badImages,
    ...(backboneFile === undefined ? {} : { backboneFile }),
    ...(resumePoint === undefined ? {} : { resumedFrom: resumePoint.file }),
  };
}

/**
 * What data-parallel training needs of the configuration: a global batch that splits evenly,
 * and bad images stopping the run (skipping one would shift one rank's shard against the others').
 */
function checkDataParallel(train: TrainingConfig, worldSize: number): void {
  if (worldSize === 1) return;
  if (train.batchSize % worldSize !== 0)
    throw new SsdetError(
      'BATCH_NOT_DIVISIBLE',
      `train.batchSize (--batch-size) ${train.batchSize} is the global batch and must be divisible by the ${worldSize} processes; use a multiple of ${worldSize}.`,
    );
  if (train.data.onBadImage === 'skip')
    throw new SsdetError(
      'BAD_IMAGE_SKIP_DISTRIBUTED',
      `train.data.onBadImage = skip is not supported with ${worldSize} processes (a skipped image would shift one rank's shard); set it to error and fix or remove the bad files.`,
    );
}

/** Samples of the first batch whose views `ssdet report` shows. */
const MAX_PREVIEW_SAMPLES = 8;

async function writeBadImages(
  file: string,
  entries: readonly { readonly file: string; readonly reason: string }[],
): Promise<void> {
  await writeFileAtomically(
    file,
    entries.map((entry) => `${entry.file}\t${entry.reason}`).join('\n') + '\n',
  );
}

/**
 * Worker threads for the views (and regions) of any method: each thread imports the registered
 * plugin modules and builds the `VIEW_GENERATOR` (and `REGION_SOURCE`) the method's plugin binds.
 * A method whose plugin cannot be rebuilt there runs its views on this thread, and says so.
 */
function workerProcessor(
  registry: PluginRegistry,
  method: RegisteredMethod,
  run: DependencyContainer,
  options: {
    datasetLocation: string;
    decode: { maxPixels: number };
    config: ConfigObject;
    seed: number;
    threads: number;
    warn: (message: string) => void;
  },
): WorkerSampleProcessor | undefined {
  const inThread = `train.data.workers = ${options.threads} is ignored: views run on the training thread`;
  if (method.origin.entry === undefined) {
    options.warn(
      `${inThread} (plugin "${method.plugin.name}" was registered without its module file, origin.entry).`,
    );
    return undefined;
  }
  if (/\.[cm]?ts$/.test(method.origin.entry)) {
    options.warn(
      `${inThread} (plugin "${method.plugin.name}" was loaded from TypeScript sources).`,
    );
    return undefined;
  }
  if (!run.isRegistered(VIEW_GENERATOR, true)) {
    options.warn(`${inThread} (plugin "${method.plugin.name}" binds no VIEW_GENERATOR).`);
    return undefined;
  }
  const pluginEntries = registry
    .list()
    .map((registered) => registered.origin.entry)
    .filter((entry): entry is string => entry !== undefined);
  return new WorkerSampleProcessor(
    {
      datasetLocation: options.datasetLocation,
      decode: options.decode,
      pluginEntries,
      method: { name: method.plugin.name, config: options.config },
      seed: options.seed,
    },
    options.threads,
  );
}

function describeBackbone(config: ConfigObject): string {
  const backbone = config['backbone'] as { arch?: unknown; widthMultiplier?: unknown } | undefined;
  const size = typeof config['imageSize'] === 'number' ? ` at ${config['imageSize']} px` : '';
  const width =
    typeof backbone?.widthMultiplier === 'number' && backbone.widthMultiplier !== 1
      ? ` × ${backbone.widthMultiplier} width`
      : '';
  return `${typeof backbone?.arch === 'string' ? backbone.arch : 'its backbone'}${width}${size}`;
}

/** What to do about a dataset smaller than one step: a batch that fits, or the demo recipe. */
function tooSmallHint(images: number, train: TrainingConfig, request: PretrainRequest): string {
  const fits = Math.floor(images / train.accumulate);
  const batch =
    fits >= 1
      ? `Pass --batch-size ${fits} (or less)${train.accumulate > 1 ? ` with train.accumulate ${train.accumulate}` : ''}`
      : `Add images or lower train.accumulate (${train.accumulate})`;
  return request.demo === true || request.preset !== undefined
    ? `${batch}.`
    : `${batch}, or try the small demo recipe on your photos: --demo --data ${request.data ?? 'DIR'}.`;
}

function flagLayer(flags: PretrainRequest['flags']): ConfigObject {
  if (flags === undefined) return {};
  const train: ConfigObject = {};
  if (flags.batchSize !== undefined) train['batchSize'] = flags.batchSize;
  if (flags.epochs !== undefined) train['epochs'] = flags.epochs;
  if (flags.maxSteps !== undefined) train['maxSteps'] = flags.maxSteps;
  if (flags.seed !== undefined) train['seed'] = flags.seed;
  if (flags.syncBn !== undefined) train['syncBn'] = flags.syncBn;
  const layer: ConfigObject = Object.keys(train).length > 0 ? { train } : {};
  if (flags.imageSize !== undefined) layer['imageSize'] = flags.imageSize;
  if (flags.backbone !== undefined) layer['backbone'] = { arch: flags.backbone };
  return layer;
}

/**
 * Writes a finished run's backbone export where `--init <run>` and `backboneWeights=<run>` read
 * it, atomically. Undefined when the method exports no backbone.
 */
async function exportBackbone(
  method: PretrainMethod,
  runDir: string,
  methodName: string,
): Promise<string | undefined> {
  const backbone = method.exports()['backbone'];
  if (backbone === undefined) return undefined;
  const file = path.join(runDir, EXPORTED_BACKBONE_FILE);
  await writeFileAtomically(
    file,
    writeSafetensors(exportStateDict({ variables: () => backbone }), {
      format: 'pt',
      producer: 'ssdet',
      method: methodName,
    }),
  );
  return file;
}

/** For each exported artifact, export name → checkpoint tensor name (`model/<variable>`). */
function exportIndex(method: PretrainMethod): CheckpointMeta['exports'] {
  const names = new Map<unknown, string>();
  for (const [name, variable] of method.variables()) names.set(variable, `model/${name}`);
  const index: Record<string, Record<string, string>> = {};
  for (const [artifact, variables] of Object.entries(method.exports()) as [
    string,
    NamedVariables,
  ][]) {
    index[artifact] = {};
    for (const [exportName, variable] of variables) {
      const stored = names.get(variable);
      if (stored === undefined)
        throw new SsdetError(
          'EXPORT_UNKNOWN_VARIABLE',
          `Method "${method.name}" exports ${artifact}.${exportName}, which is not among its variables().`,
        );
      index[artifact][exportName] = stored;
    }
  }
  return index;
}
