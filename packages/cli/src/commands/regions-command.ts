import { availableParallelism } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isSsdetError, type EventBus } from '@ssdet/core';
import {
  formatDuration,
  parseShard,
  REGION_ALGORITHMS,
  runRegionsJob,
  WHOLE_DATASET,
  type RegionParameters,
  type RegionsJobResult,
  type ResumeCheck,
  type Shard,
} from '@ssdet/proposals';
import type { CliIo } from '../io.js';
import { EXIT_FAILURE, EXIT_USAGE } from '../render/render-error.js';

export interface RegionsCommandOptions {
  readonly algorithm: string;
  readonly data: string;
  readonly out: string;
  readonly preset?: string;
  /** `--set key=value`, already parsed. */
  readonly set?: RegionParameters;
  readonly workers: number;
  readonly shard: Shard;
  readonly preview?: string;
  readonly seed: number;
  readonly resume: boolean;
  readonly verify: ResumeCheck;
}

/** Errors that mean "the command line asks for something impossible" (exit 2), not a failed run. */
const USAGE_CODES = new Set([
  'PROPOSALS_BAD_ALGORITHM',
  'PROPOSALS_BAD_PARAMETER',
  'REGIONS_BAD_SHARD',
  'REGIONS_BAD_OPTION',
  'REGIONS_OTHER_JOB',
]);

/** Adds `ssdet regions` to `program`; the exit code of a run goes to `setExitCode`. */
export function registerRegionsCommand(
  program: Command,
  io: CliIo,
  bus: EventBus,
  setExitCode: (code: number) => void,
): void {
  program
    .command('regions')
    .description(
      'compute region proposals for every image of a dataset, offline: parallel, resumable after a kill, shardable across machines; training runs reuse the cache',
    )
    .addOption(
      new Option('--algorithm <name>', 'region algorithm')
        .choices([...REGION_ALGORITHMS])
        .makeOptionMandatory(),
    )
    .requiredOption('--data <location>', 'image folder, COCO .json or .txt image list')
    .requiredOption('--out <dir>', 'output: regions/ (cache), manifest.jsonl, summary.json')
    .option(
      '--preset <name>',
      'named settings: selective-search opencv-fast|opencv-quality|opencv-single|detreg|soco (SoCo’s own, exact)|soco-opencv; fh detcon; edge-boxes siamese-detr; random up-detr',
    )
    .option(
      '--set <key=value>',
      'an algorithm parameter, e.g. scale=300; repeatable',
      collectAssignment,
    )
    .addOption(
      new Option('--workers <n>', 'worker threads; 0 runs in the main thread')
        .argParser(parseCount)
        .default(availableParallelism(), 'one per CPU'),
    )
    .addOption(
      new Option(
        '--shard <i/n>',
        'only images whose index mod n is i (one task of a cluster job array)',
      )
        .argParser(parseShardArgument)
        .default(WHOLE_DATASET, '0/1, all images'),
    )
    .option('--preview <dir>', 'write PNGs with the regions drawn for the first 16 images')
    .option('--seed <n>', 'seed of the per-image randomness', parseSeed, 0)
    .option('--no-resume', 'start over instead of skipping images an earlier run finished')
    .addOption(
      new Option(
        '--verify <check>',
        'on resume, how much of a finished image’s cache entry must read back',
      )
        .choices(['checksum', 'size'])
        .default('checksum'),
    )
    .action(async (options: RegionsCommandOptions) => {
      setExitCode(await regionsCommand(options, io, bus));
    });
}

/** `ssdet regions`: runs the job and prints its summary; resolves to the exit code. */
export async function regionsCommand(
  options: RegionsCommandOptions,
  io: CliIo,
  bus: EventBus,
): Promise<number> {
  const parameters: Record<string, string | number | boolean> = { ...options.set };
  if (options.preset !== undefined) {
    if (parameters['preset'] !== undefined && parameters['preset'] !== options.preset) {
      io.stderr(
        `error: --preset ${options.preset} and --set preset=${String(parameters['preset'])} disagree; give one.\n`,
      );
      return EXIT_USAGE;
    }
    parameters['preset'] = options.preset;
  }
  const resolve = (location: string): string => path.resolve(io.cwd, location);
  let result: RegionsJobResult;
  try {
    result = await runRegionsJob({
      dataset: resolve(options.data),
      algorithm: options.algorithm,
      parameters,
      outDir: resolve(options.out),
      workers: options.workers,
      shard: options.shard,
      ...(options.preview === undefined ? {} : { previewDir: resolve(options.preview) }),
      resume: options.resume,
      resumeCheck: options.verify,
      seed: options.seed,
      bus,
    });
  } catch (error) {
    if (!isSsdetError(error) || !USAGE_CODES.has(error.code)) throw error;
    io.stderr(`error: ${error.message}\n`);
    if (error.hint !== undefined) io.stderr(`hint: ${error.hint}\n`);
    return EXIT_USAGE;
  }
  io.stdout(formatSummary(result));
  const { done, failed } = result.summary.images;
  return done === 0 && failed > 0 ? EXIT_FAILURE : 0;
}

function formatSummary({ summary, files }: RegionsJobResult): string {
  const { images, regionsPerImage: regions, secondsPerImage: seconds } = summary;
  const lines = [
    `Regions: ${summary.algorithm} on ${summary.dataset}, shard ${summary.shard.index}/${summary.shard.count}${summary.complete ? '' : ' (stopped early)'}`,
    `  images     ${images.done} done, ${images.failed} failed, ${images.remaining} left (${images.resumed} resumed, ${images.cacheHits} from an existing cache entry)`,
    regions === null
      ? '  regions    none'
      : `  regions    ${regions.mean.toFixed(1)} per image (min ${regions.min}, max ${regions.max})`,
    `  time       ${seconds === null ? '-' : `${seconds.mean.toFixed(2)} s/image per thread`}, ${formatDuration(summary.wallSeconds)} wall with ${summary.workers === 0 ? 'no worker threads' : `${summary.workers} worker threads`}`,
    `  output     ${files.regions} (region cache), ${files.manifest}, ${files.summary}`,
  ];
  if (files.previews !== undefined) lines.push(`  previews   ${files.previews}`);
  if (summary.failed.length > 0) {
    lines.push('Failed images:');
    for (const failure of summary.failed)
      lines.push(
        `  ${failure.message.includes(failure.file) ? failure.message : `${failure.file}: ${failure.message}`}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function collectAssignment(
  assignment: string,
  previous: RegionParameters | undefined,
): RegionParameters {
  const equals = assignment.indexOf('=');
  const key = assignment.slice(0, equals).trim();
  if (equals < 1 || key === '')
    throw new InvalidArgumentError('Expected key=value, e.g. scale=300.');
  return { ...previous, [key]: parseScalar(assignment.slice(equals + 1).trim()) };
}

/** `true`/`false` → boolean, a decimal number → number, anything else stays a string. */
function parseScalar(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return Number(text);
  return text;
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('Expected an integer ≥ 0.');
  return Number(text);
}

function parseSeed(text: string): number {
  const value = Number(text);
  if (!/^[-+]?\d+$/.test(text.trim()) || !Number.isSafeInteger(value))
    throw new InvalidArgumentError('Expected an integer.');
  return value;
}

function parseShardArgument(text: string): Shard {
  try {
    return parseShard(text);
  } catch {
    throw new InvalidArgumentError('Expected i/n with integers 0 ≤ i < n, e.g. 0/4.');
  }
}
