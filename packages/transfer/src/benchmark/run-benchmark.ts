import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type BackendRequest,
  type ConfigObject,
  defaultCacheDir,
  type DependencyContainer,
  deepMerge,
  LOGGER,
  type PluginRegistry,
  resolvePluginConfig,
  resolveToken,
  SsdetError,
  writeFileAtomically,
} from '@ssdet/core';
import { runPretraining, writeSyntheticDataset } from '@ssdet/data';
import { parse as parseYaml } from 'yaml';
import { readRunArtifacts } from '../finetune/run-artifacts.js';
import {
  DETR_FAMILY_DETECTORS,
  isDetrFamily,
  pretrainedDetrDetector,
  type DetrFamilyDetector,
} from '../finetune/pretrained-detector.js';
import { runFinetune } from '../finetune/run-finetune.js';
import { benchmarkHtml, benchmarkMarkdown, type BenchmarkRow } from './benchmark-table.js';
import { DEMO_BENCHMARK, FULL_BENCHMARK, type BenchmarkPlan } from './benchmark-plan.js';

export interface BenchmarkRequest {
  /** Method plugins to pre-train; `random` init is always included. */
  readonly methods: readonly string[];
  readonly demo?: boolean;
  readonly outDir: string;
  /** Where the synthetic splits are generated (reused across runs). */
  readonly cacheDir?: string;
  readonly backend?: BackendRequest;
  /** Reuse the finished pre-training and fine-tuning runs in `outDir`; finish the rest. */
  readonly resume?: boolean;
}

export interface BenchmarkOutcome {
  readonly plan: BenchmarkPlan;
  readonly rows: readonly BenchmarkRow[];
  readonly markdown: string;
  readonly files: { readonly markdown: string; readonly json: string; readonly html: string };
}

/**
 * What pre-training buys, measured: every method pre-trains on the same unlabeled scenes with
 * the same budget of images, then Faster R-CNN is fine-tuned from each backbone — and from random
 * init — on the same small labeled split with the same schedule and seeds, and evaluated on one
 * validation split; DETR-family methods (those that export a detector) are also fine-tuned as
 * the DETR they pre-trained, against a randomly initialised DETR — on the frozen backbone of the
 * benchmark's own CNN run when they train on one (reported as "updetr (on densecl)"). Writes benchmark.md, benchmark.json and benchmark.html to `outDir`.
 */
export async function runBenchmark(
  root: DependencyContainer,
  registry: PluginRegistry,
  request: BenchmarkRequest,
): Promise<BenchmarkOutcome> {
  const logger = resolveToken(root, LOGGER).child('benchmark');
  const plan = request.demo === true ? DEMO_BENCHMARK : FULL_BENCHMARK;
  const outDir = path.resolve(request.outDir);
  if (request.resume !== true && existsSync(outDir) && (await readdir(outDir)).length > 0)
    throw new SsdetError('RUN_DIR_IN_USE', `--out ${outDir} already holds a benchmark.`, {
      hint: 'Pass --resume to finish it (finished runs are reused), or another --out.',
    });
  const methods = request.methods.map((name) => registry.get(name).plugin);
  const splits = await ensureSplits(plan, request.cacheDir ?? defaultCacheDir());
  const backend = request.backend ?? 'auto';

  const pretrain = async (method: string, runDir: string, sets: string[]): Promise<number> => {
    const plugin = registry.get(method).plugin;
    const presetBatch = (
      resolvePluginConfig(plugin, { preset: 'demo' }) as { train?: { batchSize?: number } }
    ).train?.batchSize;
    const batchSize = presetBatch ?? 8;
    const steps = Math.max(1, Math.ceil(plan.pretrainImages / batchSize));
    logger.info(`pre-training ${method}: ${steps} steps of ${batchSize} images`);
    const started = Date.now();
    const outcome = await runPretraining(root, registry, {
      method,
      demo: true,
      data: splits.unlabeled,
      flags: { backbone: plan.backbone.arch, maxSteps: steps },
      sets: [`backbone.widthMultiplier=${plan.backbone.widthMultiplier}`, ...sets],
      outDir: runDir,
      // A run cut short continues from its checkpoint (or starts over when it wrote none).
      resume: existsSync(runDir),
      backend,
    });
    if (outcome.backboneFile === undefined)
      throw new SsdetError('BENCHMARK_NO_BACKBONE', `Method "${method}" exports no backbone.`);
    return (Date.now() - started) / 1000;
  };

  // Every method pre-trains once, CNN methods first: a method on a frozen pre-trained CNN
  // (UP-DETR) freezes the backbone of the benchmark's own CNN run (DenseCL's when it ran), the
  // chain its --demo builds. Faster R-CNN starts from each backbone a method trained, DETR from
  // each DETR-family run (the ones that export a detector), and both from random init.
  const ordered = [
    ...methods.filter((plugin) => plugin.pretrainedBackbone === undefined),
    ...methods.filter((plugin) => plugin.pretrainedBackbone !== undefined),
  ];
  const pretrained: {
    name: string;
    runDir: string;
    seconds: number;
    /** The detector a DETR-family run pre-trained (it exports one), fine-tuned from it. */
    detrDetector?: DetrFamilyDetector;
    frozenBackbone?: string;
  }[] = [];
  for (const plugin of ordered) {
    const runDir = path.join(outDir, 'pretrain', plugin.name);
    const donor =
      plugin.pretrainedBackbone === undefined
        ? undefined
        : (pretrained.find((run) => run.name === 'densecl') ?? pretrained[0]);
    const sets =
      plugin.pretrainedBackbone === undefined || donor === undefined
        ? []
        : [`${plugin.pretrainedBackbone.configKey}=${donor.runDir}`];
    const timing = path.join(runDir, 'benchmark-pretrain.json');
    let seconds: number;
    const finished = existsSync(timing) ? undefined : await finishedRunSeconds(runDir);
    if (existsSync(timing)) {
      seconds = (JSON.parse(await readFile(timing, 'utf8')) as { seconds: number }).seconds;
      logger.info(`pre-training ${plugin.name}: done before (${seconds.toFixed(0)} s)`);
    } else if (finished !== undefined) {
      seconds = finished;
      await writeFileAtomically(timing, `${JSON.stringify({ seconds, estimated: true })}\n`);
    } else {
      seconds = await pretrain(plugin.name, runDir, sets);
      await writeFileAtomically(timing, `${JSON.stringify({ seconds })}\n`);
    }
    const artifacts = await readRunArtifacts(runDir);
    const runConfig = await readRunConfig(runDir);
    const frozenBackbone =
      plugin.pretrainedBackbone === undefined
        ? undefined
        : (donor?.name ?? (await chainedDonor(runConfig, plugin.pretrainedBackbone.configKey)));
    pretrained.push({
      name: plugin.name,
      runDir,
      seconds,
      ...(artifacts?.has('detector') === true
        ? { detrDetector: pretrainedDetrDetector(runConfig) }
        : {}),
      ...(frozenBackbone === undefined ? {} : { frozenBackbone }),
    });
  }
  const plans: {
    init: string;
    location: string;
    seconds: number;
    detector: string;
    frozenBackbone?: string;
  }[] = [
    { init: 'random', location: 'random', seconds: 0, detector: 'faster-rcnn' },
    // A frozen CNN is its donor's backbone: its Faster R-CNN row would repeat the donor's.
    ...pretrained
      .filter((run) => run.frozenBackbone === undefined)
      .map((run) => ({
        init: run.name,
        location: run.runDir,
        seconds: run.seconds,
        detector: 'faster-rcnn',
      })),
  ];
  // One random-init row per DETR-family detector a method pre-trained, then its runs.
  for (const detector of DETR_FAMILY_DETECTORS) {
    const runs = pretrained.filter((run) => run.detrDetector === detector);
    if (runs.length === 0) continue;
    plans.push(
      { init: 'random', location: 'random', seconds: 0, detector },
      ...runs.map((run) => ({
        init: run.name,
        location: run.runDir,
        seconds: run.seconds,
        detector,
        ...(run.frozenBackbone === undefined ? {} : { frozenBackbone: run.frozenBackbone }),
      })),
    );
  }

  const rows: BenchmarkRow[] = [];
  for (const { init, location, seconds, detector, frozenBackbone } of plans) {
    const runs: { seed: number; stats: number[] }[] = [];
    for (const seed of plan.seeds) {
      const name =
        detector === 'faster-rcnn' ? `${init}-seed${seed}` : `${init}-${detector}-seed${seed}`;
      const runDir = path.join(outDir, 'finetune', name);
      const evalFile = path.join(runDir, 'eval.json');
      if (existsSync(evalFile)) {
        const stored = JSON.parse(await readFile(evalFile, 'utf8')) as {
          bbox: { stats: number[] };
        };
        runs.push({ seed, stats: stored.bbox.stats });
        continue;
      }
      logger.info(`fine-tuning ${detector} from ${init}, seed ${seed}`);
      const outcome = await runFinetune(root, {
        init: location,
        train: splits.labeled,
        val: splits.val,
        outDir: runDir,
        resume: existsSync(runDir),
        base: deepMerge(
          isDetrFamily(detector) ? withoutOptimizer(plan.finetune) : plan.finetune,
          isDetrFamily(detector) ? plan.detrFinetune : {},
          { backbone: { ...plan.backbone }, train: { seed } } as ConfigObject,
        ),
        flags: { detector },
        backend,
      });
      runs.push({ seed, stats: outcome.evaluation!.stats });
    }
    rows.push({
      init,
      detector,
      pretrainSeconds: seconds,
      runs,
      ...(frozenBackbone === undefined ? {} : { frozenBackbone }),
    });
  }

  await mkdir(outDir, { recursive: true });
  const markdown = benchmarkMarkdown(rows);
  const files = {
    markdown: path.join(outDir, 'benchmark.md'),
    json: path.join(outDir, 'benchmark.json'),
    html: path.join(outDir, 'benchmark.html'),
  };
  await writeFileAtomically(files.markdown, `${markdown}\n`);
  await writeFileAtomically(files.html, benchmarkHtml(rows, `ssdet benchmark (${plan.name})`));
  await writeFileAtomically(files.json, `${JSON.stringify({ plan, rows }, null, 2)}\n`);
  return { plan, rows, markdown, files };
}

/** The plan's three synthetic splits, generated once per plan into the cache. */
async function ensureSplits(
  plan: BenchmarkPlan,
  cacheDir: string,
): Promise<{ unlabeled: string; labeled: string; val: string }> {
  const root = path.join(
    cacheDir,
    `benchmark-v1-${plan.name}-${plan.imageWidth}x${plan.imageHeight}-u${plan.unlabeledImages}-l${plan.labeledImages}-v${plan.valImages}`,
  );
  const split = async (name: string, count: number, seed: number): Promise<string> => {
    const dir = path.join(root, name);
    const file = path.join(dir, 'annotations.json');
    if (!existsSync(file))
      await writeSyntheticDataset({
        out: dir,
        count,
        seed,
        width: plan.imageWidth,
        height: plan.imageHeight,
      });
    return file;
  };
  const unlabeled = await split('unlabeled', plan.unlabeledImages, 101);
  return {
    // Pre-training sees the images only: the folder, not the annotation file.
    unlabeled: path.join(path.dirname(unlabeled), 'images'),
    labeled: await split('labeled', plan.labeledImages, 102),
    val: await split('val', plan.valImages, 103),
  };
}

/** `config` without `train.optimizer` (DETR brings its own optimizer type). */
function withoutOptimizer(config: ConfigObject): ConfigObject {
  const train = { ...(config['train'] as ConfigObject | undefined) };
  delete train['optimizer'];
  return { ...config, train };
}

/** A run's config.yaml, parsed; undefined when the run has none. */
async function readRunConfig(runDir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(runDir, 'config.yaml');
  if (!existsSync(file)) return undefined;
  return (parseYaml(await readFile(file, 'utf8')) as Record<string, unknown> | null) ?? undefined;
}

/**
 * The method of the run a finished run's frozen CNN came from (its config names that run's
 * directory under `configKey`), or the directory's name.
 */
async function chainedDonor(
  config: Record<string, unknown> | undefined,
  configKey: string,
): Promise<string | undefined> {
  const source = config?.[configKey];
  if (typeof source !== 'string') return undefined;
  const donorConfig = await readRunConfig(source);
  const method = donorConfig?.['method'];
  return typeof method === 'string' ? method : path.basename(source);
}

/**
 * A pre-training run that finished (its backbone exported) but whose time was not recorded: its
 * wall time extrapolated from the first and last metrics records. Undefined otherwise.
 */
async function finishedRunSeconds(runDir: string): Promise<number | undefined> {
  if (!existsSync(path.join(runDir, 'backbone.safetensors'))) return undefined;
  const records = (await readFile(path.join(runDir, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as { step: number; time: number });
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined || last.step <= first.step) return undefined;
  return ((last.time - first.time) / 1000) * (last.step / (last.step - first.step));
}
