import { rgbHex } from './distinct-color.js';
import { escapeHtml } from './escape-html.js';
import { formatTick, niceTicks } from './nice-ticks.js';
import { seriesColor } from './series-color.js';

export interface ChartSeries {
  readonly name: string;
  /** `[x, y]` points in x order; non-finite y values break the line. */
  readonly points: readonly (readonly [number, number])[];
  /** CSS colour; a distinct one per series index by default. */
  readonly color?: string;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly width?: number;
  readonly height?: number;
  /**
   * Draw an exponential moving average over each series (TensorBoard's debiased smoothing), with
   * the raw points faint underneath: `'auto'` picks the weight from the number of points (see
   * {@link smoothingWeight}), a number in [0, 1) is the weight itself. Off by default: a
   * learning-rate schedule is exact and must not be smoothed.
   */
  readonly smoothing?: 'auto' | number;
}

const MARGIN = { left: 64, right: 16, top: 30, bottom: 40 } as const;
const LEGEND_ROW = 18;
const LEGEND_COLUMN = 150;
/** Series with fewer finite points are drawn raw even when smoothing is on: too few to average. */
const MIN_POINTS_TO_SMOOTH = 5;

/**
 * A static SVG line chart (no script, no external resources): one `<polyline>` per series —
 * per unbroken run of finite points — over nice-tick axes, with a legend when there is more
 * than one series. Text is escaped. With {@link LineChartOptions.smoothing}, each series is an
 * opaque smoothed line over its raw line at low opacity, so the trend reads at a glance and the
 * noise stays visible.
 */
export function lineChartSvg(series: readonly ChartSeries[], options: LineChartOptions): string {
  const width = options.width ?? 640;
  const plotHeight = (options.height ?? 260) - MARGIN.top - MARGIN.bottom;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const perRow = Math.max(1, Math.floor(plotWidth / LEGEND_COLUMN));
  const legendRows = series.length > 1 ? Math.ceil(series.length / perRow) : 0;
  const height = MARGIN.top + plotHeight + MARGIN.bottom + legendRows * LEGEND_ROW;
  const title = escapeHtml(options.title);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${title}</text>`,
  ];

  const finite = series.flatMap((s) =>
    s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  if (finite.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" fill="#666">no data</text>`,
      '</svg>',
    );
    return parts.join('\n');
  }
  const xs = niceTicks(Math.min(...finite.map(([x]) => x)), Math.max(...finite.map(([x]) => x)));
  const ys = niceTicks(
    Math.min(...finite.map(([, y]) => y)),
    Math.max(...finite.map(([, y]) => y)),
  );
  const sx = (x: number): number =>
    MARGIN.left + ((x - xs.domain[0]) / (xs.domain[1] - xs.domain[0])) * plotWidth;
  const sy = (y: number): number =>
    MARGIN.top + plotHeight - ((y - ys.domain[0]) / (ys.domain[1] - ys.domain[0])) * plotHeight;
  const bottom = MARGIN.top + plotHeight;

  parts.push(`<g font-size="11" fill="#444" stroke="none">`);
  for (const tick of ys.ticks) {
    const y = sy(tick).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(tick)}</text>`,
    );
  }
  for (const tick of xs.ticks) {
    const x = sx(tick).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${bottom}" stroke="#f0f0f0"/>`,
      `<text x="${x}" y="${bottom + 16}" text-anchor="middle">${formatTick(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + plotWidth / 2}" y="${bottom + 32}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    '</g>',
  );

  series.forEach((s, index) => {
    const color = escapeHtml(s.color ?? rgbHex(seriesColor(index)));
    const runs = finiteRuns(s.points);
    const count = runs.reduce((sum, run) => sum + run.length, 0);
    const weight =
      options.smoothing === undefined || count < MIN_POINTS_TO_SMOOTH
        ? undefined
        : options.smoothing === 'auto'
          ? smoothingWeight(count)
          : options.smoothing;
    const rawAttributes =
      weight === undefined ? 'stroke-width="1.5"' : 'stroke-width="1" stroke-opacity="0.3"';
    for (const run of runs) {
      const points = run.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      if (run.length === 1) {
        // A lone point draws no line; mark it so that it is not lost.
        const [x, y] = run[0]!;
        parts.push(
          `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`,
        );
      }
      parts.push(
        `<polyline class="raw" fill="none" stroke="${color}" ${rawAttributes} stroke-linejoin="round" points="${points}"><title>${escapeHtml(s.name)}</title></polyline>`,
      );
    }
    if (weight !== undefined) {
      // One average across gaps (non-finite values), as TensorBoard does, drawn unbroken.
      const smoothed = exponentialMovingAverage(runs.flat(), weight);
      const points = smoothed.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
      parts.push(
        `<polyline class="smoothed" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${points.join(' ')}"><title>${escapeHtml(s.name)} (smoothed)</title></polyline>`,
      );
    }
    if (legendRows > 0) {
      const x = MARGIN.left + (index % perRow) * LEGEND_COLUMN;
      const y = bottom + MARGIN.bottom + Math.floor(index / perRow) * LEGEND_ROW + 4;
      parts.push(
        `<rect x="${x}" y="${y - 5}" width="14" height="3" fill="${color}"/>`,
        `<text x="${x + 20}" y="${y}" font-size="11" dominant-baseline="middle">${escapeHtml(s.name)}</text>`,
      );
    }
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * The smoothing weight for a series of `count` points: the EMA then averages over about
 * `count / 30` points (1 / (1 − w)), so a long run's curve is as smooth as a short one's, kept
 * in TensorBoard's default 0.6 … 0.95.
 */
export function smoothingWeight(count: number): number {
  return Math.min(0.95, Math.max(0.6, 1 - 30 / count));
}

/**
 * TensorBoard's smoothing: `s_i = w·s_{i−1} + (1 − w)·y_i` from `s_{−1} = 0`, divided by
 * `1 − w^{i+1}` so that the first values are not pulled towards zero.
 */
export function exponentialMovingAverage(
  points: readonly (readonly [number, number])[],
  weight: number,
): [number, number][] {
  let last = 0;
  return points.map(([x, y], i) => {
    last = last * weight + (1 - weight) * y;
    return [x, last / (1 - weight ** (i + 1))];
  });
}

function finiteRuns(
  points: readonly (readonly [number, number])[],
): (readonly [number, number])[][] {
  const runs: (readonly [number, number])[][] = [];
  let current: (readonly [number, number])[] = [];
  for (const point of points) {
    if (Number.isFinite(point[0]) && Number.isFinite(point[1])) {
      current.push(point);
    } else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}
