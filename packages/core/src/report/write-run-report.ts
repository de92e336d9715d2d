import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SsdetError } from '../errors/ssdet-error.js';
import { dropOrphanedRecords } from '../metrics/drop-orphaned-records.js';
import { readMetricsJsonl } from '../metrics/read-metrics-jsonl.js';
import { CORE_VERSION_STRING } from '../version.js';
import { runDatasetSummarySchema, type RunDatasetSummary } from './run-dataset-summary.js';
import { runReportHtml, type ReportImage } from './run-report-html.js';

export interface WriteRunReportOptions {
  /** Where to write the page; `<runDir>/report.html` by default. */
  readonly out?: string;
}

/**
 * `ssdet report <run>`: reads the run directory's `metrics.jsonl` (records of interrupted
 * attempts dropped, see dropOrphanedRecords), `config.yaml`, `dataset.json`, `bad-images.txt`
 * and `views/*.png`, and writes a
 * self-contained `report.html` (see runReportHtml). Returns the page's path. A directory without
 * `metrics.jsonl` is a {@link SsdetError} (`REPORT_NO_METRICS`).
 */
export async function writeRunReport(
  runDir: string,
  options: WriteRunReportOptions = {},
): Promise<string> {
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  if (!(await isFile(metricsFile))) {
    throw new SsdetError(
      'REPORT_NO_METRICS',
      `${runDir} has no metrics.jsonl, so there is nothing to report.`,
      {
        hint: 'Pass the run directory of `ssdet pretrain` (its --out); metrics.jsonl appears there once the first step is logged.',
      },
    );
  }
  const records = dropOrphanedRecords(await readMetricsJsonl(metricsFile));
  const config = await readOptional(path.join(runDir, 'config.yaml'));
  const images = await readViewImages(path.join(runDir, 'views'));
  const dataset = await readDatasetSummary(path.join(runDir, 'dataset.json'));
  const badImagesList = await readOptional(path.join(runDir, 'bad-images.txt'));
  const badImages =
    badImagesList === undefined
      ? 0
      : badImagesList.split('\n').filter((line) => line.trim() !== '').length;
  const out = options.out ?? path.join(runDir, 'report.html');
  const html = runReportHtml({
    title: path.basename(path.resolve(runDir)),
    records,
    config,
    images,
    dataset,
    badImages,
    generator: `@ssdet/core ${CORE_VERSION_STRING}`,
  });
  await writeFile(out, html, 'utf8');
  return out;
}

async function readViewImages(dir: string): Promise<ReportImage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const pngs = names
    .filter((name) => name.toLowerCase().endsWith('.png'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return Promise.all(
    pngs.map(async (name) => ({
      name: name.slice(0, -'.png'.length),
      png: await readFile(path.join(dir, name)),
    })),
  );
}

async function readDatasetSummary(file: string): Promise<RunDatasetSummary | undefined> {
  const text = await readOptional(file);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SsdetError(
      'REPORT_BAD_DATASET_JSON',
      `${file} is not JSON: ${(error as Error).message}.`,
    );
  }
  const parsed = runDatasetSummarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SsdetError(
      'REPORT_BAD_DATASET_JSON',
      `${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}; expected { description, images, imageSizes? } as ssdet pretrain writes it.`,
    );
  }
  return parsed.data;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
