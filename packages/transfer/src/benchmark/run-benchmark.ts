import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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
import { exportStateDict, writeSafetensors } from '@ssdet/nn';
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
 * validation split. Writes benchmark.md, benchmark.json and benchmark.html to `outDir`.
 */
export async function runBenchmark(
  root: DependencyContainer,
  registry: PluginRegistry,
  request: BenchmarkRequest,
): Promise<BenchmarkOutcome> {
  const logger = resolveToken(root, LOGGER).child('benchmark');
  const plan = request.demo === true ? DEMO_BENCHMARK : FULL_BENCHMARK;
  const outDir = path.resolve(request.outDir);
  if (existsSync(path.join(outDir, 'benchmark.json')))
    throw new SsdetError('RUN_DIR_IN_USE', `--out ${outDir} already holds a benchmark.`, {
      hint: 'Pass another --out.',
    });
  const methods = request.methods.map((name) => registry.get(name).plugin);
  const splits = await ensureSplits(plan, request.cacheDir ?? defaultCacheDir());
  const backend = request.backend ?? 'auto';

  const rows: BenchmarkRow[] = [];
  const initDirs = new Map<string, string>([['random', 'random']]);
  const pretrainSeconds = new Map<string, number>([['random', 0]]);
  for (const plugin of methods) {
    const presetBatch = (
      resolvePluginConfig(plugin, { preset: 'demo' }) as { train?: { batchSize?: number } }
    ).train?.batchSize;
    const batchSize = presetBatch ?? 8;
    const steps = Math.max(1, Math.ceil(plan.pretrainImages / batchSize));
    const runDir = path.join(outDir, 'pretrain', plugin.name);
    logger.info(`pre-training ${plugin.name}: ${steps} steps of ${batchSize} images`);
    const started = Date.now();
    const outcome = await runPretraining(root, registry, {
      method: plugin.name,
      demo: true,
      data: splits.unlabeled,
      flags: { backbone: plan.backbone.arch, maxSteps: steps },
      sets: [`backbone.widthMultiplier=${plan.backbone.widthMultiplier}`],
      outDir: runDir,
      backend,
    });
    pretrainSeconds.set(plugin.name, (Date.now() - started) / 1000);
    const backbone = outcome.method.exports()['backbone'];
    if (backbone === undefined)
      throw new SsdetError('BENCHMARK_NO_BACKBONE', `Method "${plugin.name}" exports no backbone.`);
    await writeFile(
      path.join(runDir, 'backbone.safetensors'),
      writeSafetensors(exportStateDict({ variables: () => backbone }), {
        format: 'pt',
        producer: 'ssdet',
        method: plugin.name,
      }),
    );
    initDirs.set(plugin.name, runDir);
  }

  for (const [init, location] of initDirs) {
    const runs: { seed: number; stats: number[] }[] = [];
    for (const seed of plan.seeds) {
      logger.info(`fine-tuning from ${init}, seed ${seed}`);
      const outcome = await runFinetune(root, {
        init: location,
        train: splits.labeled,
        val: splits.val,
        outDir: path.join(outDir, 'finetune', `${init}-seed${seed}`),
        base: deepMerge(plan.finetune, {
          backbone: { ...plan.backbone },
          train: { seed },
        } as ConfigObject),
        backend,
      });
      runs.push({ seed, stats: outcome.evaluation!.stats });
    }
    rows.push({ init, pretrainSeconds: pretrainSeconds.get(init)!, runs });
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
