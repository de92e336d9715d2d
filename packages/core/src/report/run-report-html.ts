import type { MetricsRecord } from '../metrics/metrics-record.js';
import { distinctColor, rgbHex } from './distinct-color.js';
import { escapeHtml } from './escape-html.js';
import { lineChartSvg, type ChartSeries } from './line-chart-svg.js';
import type { RunDatasetSummary } from './run-dataset-summary.js';

/** A preview image for the report. */
export interface ReportImage {
  /** Caption, e.g. `0-query`. */
  readonly name: string;
  readonly png: Uint8Array;
}

export interface RunReportInput {
  /** Shown as the page title, e.g. the run directory. */
  readonly title: string;
  /** In step order, one attempt per step (see dropOrphanedRecords). */
  readonly records: readonly MetricsRecord[];
  /** The resolved configuration as written (YAML); `undefined` when the run has none. */
  readonly config: string | undefined;
  readonly images: readonly ReportImage[];
  /** The run's `dataset.json`; `undefined` for runs written before it existed. */
  readonly dataset: RunDatasetSummary | undefined;
  /** Lines of the run's `bad-images.txt` (0 when it has none). */
  readonly badImages: number;
  /** E.g. `@ssdet/core 0.1.0`, shown in the footer. */
  readonly generator: string;
}

/** Region ids whose colours the view legend shows. */
const LEGEND_REGION_IDS = 8;
/** Fewer records than this make a poor curve; the page says how to get more. */
const FEW_RECORDS = 20;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 80rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; word-break: break-all; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table.summary { border-collapse: collapse; } table.summary th { text-align: left; padding-right: 1.5rem; font-weight: 600; }
table.summary td, table.summary th { padding: 2px 1rem 2px 0; vertical-align: top; overflow-wrap: anywhere; }
.columns { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0 2rem; align-items: start; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
.charts svg { background: #fff; border: 1px solid #ddd; width: 100%; height: auto; display: block; }
@media (max-width: 50rem) { .columns, .charts { grid-template-columns: minmax(0, 1fr); } }
.note { color: #8a4b00; }
.views { display: flex; flex-wrap: wrap; gap: 1rem; } .views figure { margin: 0; text-align: center; font-size: 12px; }
.views img { width: 160px; image-rendering: pixelated; border: 1px solid #ccc; display: block; }
.legend { font-size: 13px; } .swatch { display: inline-block; width: 1.6em; height: 0.9em; margin: 0 0.2em 0 0.6em; vertical-align: middle; border: 2px solid; box-sizing: border-box; }
pre { background: #f6f6f6; padding: 1rem; overflow: auto; font-size: 12px; }
footer { margin-top: 3rem; color: #777; font-size: 12px; }
`;

/**
 * The HTML of `ssdet report`: a summary table beside the dataset's, line charts of the loss and its terms, the
 * learning rate, the EMA momentum, throughput and data waiting against the step, the training
 * views as embedded PNGs with a legend of their colours and the configuration. Two columns
 * (summary | dataset, and a grid of charts) that become one on narrow screens. Noisy curves
 * are smoothed over their faint raw points. Self-contained (inline SVG and data URIs), no
 * script, every piece of run-supplied text escaped.
 */
export function runReportHtml(input: RunReportInput): string {
  const { records } = input;
  const series = (name: string, value: (r: MetricsRecord) => number | undefined): ChartSeries => ({
    name,
    points: records.map((r) => [r.step, value(r) ?? Number.NaN] as const),
  });
  const termNames = [...new Set(records.flatMap((r) => Object.keys(r.terms)))];
  const charts = [
    lineChartSvg(
      [
        series('loss', (r) => r.loss),
        ...termNames.map((t) => series(`loss/${t}`, (r) => r.terms[t])),
      ],
      { title: 'Loss', xLabel: 'step', smoothing: 'auto' },
    ),
    lineChartSvg([series('lr', (r) => r.lr)], { title: 'Learning rate', xLabel: 'step' }),
  ];
  const evaluated = records.filter((r) => r.evaluation !== undefined);
  if (evaluated.length > 0) {
    const names = [...new Set(evaluated.flatMap((r) => Object.keys(r.evaluation!)))].filter(
      (name) => /\/AP(50|75)?$/.test(name),
    );
    charts.push(
      lineChartSvg(
        names.map((name) => ({
          name,
          points: evaluated.map((r) => [r.step, r.evaluation![name] ?? Number.NaN] as const),
        })),
        { title: 'Validation AP', xLabel: 'step' },
      ),
    );
  }
  // The EMA momentum lives in 0.99…1: drawn as such it is a flat line at the top of a useless
  // axis. 1 − m is the target's step towards the online network, on a scale that shows its
  // schedule; a constant momentum is one number in the summary, not a chart.
  if (!constantMomentum(records)) {
    charts.push(
      lineChartSvg(
        [series('1 − momentum', (r) => (r.momentum === undefined ? undefined : 1 - r.momentum))],
        { title: 'EMA step (1 − momentum)', xLabel: 'step' },
      ),
    );
  }
  charts.push(
    lineChartSvg([series('images/s', (r) => r.imagesPerSecond)], {
      title: 'Images per second',
      xLabel: 'step',
      smoothing: 'auto',
    }),
    lineChartSvg([series('data wait', (r) => r.dataWaitFraction)], {
      title: 'Fraction of time waiting for data',
      xLabel: 'step',
      smoothing: 'auto',
    }),
  );

  const images =
    input.images.length === 0
      ? '<p>No view previews in this run.</p>'
      : `${viewLegend()}\n<div class="views">\n${input.images
          .map(
            (image) =>
              `<figure><img src="data:image/png;base64,${Buffer.from(image.png).toString('base64')}" alt="${escapeHtml(image.name)}"><figcaption>${escapeHtml(image.name)}</figcaption></figure>`,
          )
          .join('\n')}\n</div>`;
  const config =
    input.config === undefined
      ? '<p>No config.yaml in this run.</p>'
      : `<pre>${escapeHtml(input.config)}</pre>`;

  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>ssdet run report — ${escapeHtml(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>ssdet run report — ${escapeHtml(input.title)}</h1>`,
    '<div class="columns">',
    `<section>\n<h2>Summary</h2>\n${summaryTable(records)}\n</section>`,
    `<section>\n<h2>Dataset</h2>\n${datasetTable(input.dataset, input.badImages)}\n</section>`,
    '</div>',
    '<h2>Training curves</h2>',
    ...(records.length > 0 && records.length < FEW_RECORDS
      ? [
          `<p class="note">Only ${records.length} metrics record${records.length === 1 ? '' : 's'}: too few for a curve. Set a smaller <code>train.logEvery</code> (a record every that many steps) for more.</p>`,
        ]
      : []),
    `<div class="charts">\n${charts.map((chart) => `<div>${chart}</div>`).join('\n')}\n</div>`,
    input.images.length === 0
      ? '<h2>Training views (first batch)</h2>'
      : `<h2>Training views (first batch, ${input.images.length} image${input.images.length === 1 ? '' : 's'})</h2>`,
    images,
    '<h2>Configuration</h2>',
    config,
    `<footer>Written by ${escapeHtml(input.generator)}.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function summaryTable(records: readonly MetricsRecord[]): string {
  if (records.length === 0) return '<p>No metrics recorded yet.</p>';
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const finiteLosses = records.map((r) => r.loss).filter(Number.isFinite);
  const tail = finiteLosses.slice(-Math.max(1, Math.ceil(finiteLosses.length / 10)));
  const rates = records
    .map((r) => r.imagesPerSecond)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const rows: [string, string][] = [
    ['records', String(records.length)],
    ['steps', `${first.step} – ${last.step}`],
    ['epoch (last)', String(last.epoch)],
    ['backend', last.backend],
    // Not the lowest loss: a contrastive loss is lowest in its first steps, while its queue of
    // negatives is still filling (DenseCL's starts from random keys), which says nothing.
    ['loss (first → last)', `${formatNumber(first.loss)} → ${formatNumber(last.loss)}`],
    [
      `loss (mean of the last ${tail.length} record${tail.length === 1 ? '' : 's'})`,
      tail.length === 0 ? '–' : formatNumber(tail.reduce((a, b) => a + b, 0) / tail.length),
    ],
    ...momentumRow(records),
    ['learning rate (last)', formatNumber(last.lr)],
    [
      'images/s (median)',
      rates.length === 0 ? '–' : formatNumber(rates[Math.floor(rates.length / 2)]!),
    ],
    ['started – last record', `${isoTime(first.time)} – ${isoTime(last.time)}`],
  ];
  return `<table class="summary">\n${rows
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n')}\n</table>`;
}

function datasetTable(dataset: RunDatasetSummary | undefined, badImages: number): string {
  const rows: [string, string][] = [];
  if (dataset === undefined) {
    rows.push(['source', 'unknown (no dataset.json in this run)']);
  } else {
    rows.push(['source', dataset.description], ['images', String(dataset.images)]);
    const sizes = dataset.imageSizes;
    if (sizes !== undefined) {
      const { width, height } = sizes;
      rows.push(
        ['width (min / median / max)', `${width.min} / ${width.median} / ${width.max} px`],
        ['height (min / median / max)', `${height.min} / ${height.median} / ${height.max} px`],
        [
          'sizes measured on',
          sizes.measured === dataset.images
            ? 'every image'
            : `${sizes.measured} of ${dataset.images} images`,
        ],
      );
    }
  }
  rows.push([
    'bad images (skipped)',
    badImages === 0 ? '0' : `${badImages} (listed in bad-images.txt)`,
  ]);
  return `<table class="summary">\n${rows
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n')}\n</table>`;
}

/**
 * What the colours in the view previews mean (@ssdet/data's renderViewPreview): a box's outline
 * has the colour of its region id, so one region has one colour in every view of an image; a
 * mask label is a translucent fill of its label's colour, from the same palette.
 */
function viewLegend(): string {
  const swatches = Array.from({ length: LEGEND_REGION_IDS }, (_, id) => {
    const color = rgbHex(distinctColor(id));
    return `<span class="swatch" style="border-color: ${color}"></span>${id}`;
  }).join('');
  return `<p class="legend">Each image is a view as the method saw it (de-normalised). A box outline's colour is its region's id, the same in every view of an image, so matching colours across the views of a sample are the same region; a translucent fill is a mask label, coloured from the same palette. Region ids:${swatches} …</p>`;
}

function constantMomentum(records: readonly MetricsRecord[]): boolean {
  const values = records.map((r) => r.momentum).filter((m): m is number => m !== undefined);
  return values.length === 0 || values.every((m) => m === values[0]);
}

function momentumRow(records: readonly MetricsRecord[]): [string, string][] {
  const values = records.map((r) => r.momentum).filter((m): m is number => m !== undefined);
  if (values.length === 0) return [];
  return constantMomentum(records)
    ? [['EMA momentum', `${values[0]} (constant)`]]
    : [['EMA momentum (first → last)', `${values[0]} → ${values[values.length - 1]}`]];
}

function formatNumber(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(5))) : String(value);
}

function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace('.000Z', 'Z') : '?';
}
