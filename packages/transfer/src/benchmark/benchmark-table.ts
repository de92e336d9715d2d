/** One initialisation's fine-tuned results over the seeds. */
export interface BenchmarkRow {
  /** `random` or the method's name. */
  readonly init: string;
  /** The fine-tuned detector: Faster R-CNN for every init, DETR for the DETR family and random. */
  readonly detector: string;
  /**
   * For a method that trains on a frozen pre-trained CNN (UP-DETR and the like): the method whose
   * benchmark run provided it. Its pre-training time is not included in `pretrainSeconds`.
   */
  readonly frozenBackbone?: string;
  /** Pre-training wall time in seconds (0 for random). */
  readonly pretrainSeconds: number;
  /** Per seed: AP, AP50, AP75 (COCOeval stats 0, 1, 2). */
  readonly runs: readonly { readonly seed: number; readonly stats: readonly number[] }[];
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance =
    values.length < 2 ? 0 : values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

const METRICS = [
  ['AP', 0],
  ['AP50', 1],
  ['AP75', 2],
] as const;

/** The init column: the method, and the run its frozen CNN came from when it has one. */
export function initLabel(row: BenchmarkRow): string {
  return row.frozenBackbone === undefined ? row.init : `${row.init} (on ${row.frozenBackbone})`;
}

function cell(row: BenchmarkRow, stat: number): string {
  const { mean, std } = meanStd(row.runs.map((run) => run.stats[stat]! * 100));
  return `${mean.toFixed(1)} ± ${std.toFixed(1)}`;
}

/** The benchmark as a markdown table: AP, AP50, AP75 (×100, mean ± std) and pre-training time. */
export function benchmarkMarkdown(rows: readonly BenchmarkRow[]): string {
  const header = `| init | detector | ${METRICS.map(([name]) => name).join(' | ')} | Δ AP vs random | pre-training |`;
  const lines = rows.map((row) => {
    const random = rows.find((other) => other.init === 'random' && other.detector === row.detector);
    const randomAp =
      random === undefined ? undefined : meanStd(random.runs.map((r) => r.stats[0]! * 100)).mean;
    const ap = meanStd(row.runs.map((run) => run.stats[0]! * 100)).mean;
    const delta = randomAp === undefined || row.init === 'random' ? '—' : signed(ap - randomAp);
    const time = row.init === 'random' ? '—' : `${row.pretrainSeconds.toFixed(0)} s`;
    return `| ${initLabel(row)} | ${row.detector} | ${METRICS.map(([, stat]) => cell(row, stat)).join(' | ')} | ${delta} | ${time} |`;
  });
  return [header, `|${' --- |'.repeat(METRICS.length + 4)}`, ...lines].join('\n');
}

/** `+1.2` / `-0.4`, and `+0.0` for differences that round to zero (never `-0.0`). */
function signed(value: number): string {
  const rounded = Number(value.toFixed(1));
  return `${rounded >= 0 ? '+' : ''}${(rounded === 0 ? 0 : rounded).toFixed(1)}`;
}

/** A self-contained HTML page: the table and a bar chart of AP with ±std whiskers. */
export function benchmarkHtml(rows: readonly BenchmarkRow[], title: string): string {
  const barWidth = 48;
  const gap = 24;
  const height = 220;
  const stats = rows.map((row) => meanStd(row.runs.map((run) => run.stats[0]! * 100)));
  const top = Math.max(1, ...stats.map((s) => s.mean + s.std)) * 1.15;
  const y = (value: number): number => height - 30 - (value / top) * (height - 60);
  const bars = rows
    .map((row, i) => {
      const { mean, std } = stats[i]!;
      const x = 50 + i * (barWidth + gap);
      return [
        `<rect x="${x}" y="${y(mean).toFixed(1)}" width="${barWidth}" height="${(y(0) - y(mean)).toFixed(1)}" fill="${row.init === 'random' ? '#999' : '#3b7dd8'}"/>`,
        `<line x1="${x + barWidth / 2}" x2="${x + barWidth / 2}" y1="${y(mean + std).toFixed(1)}" y2="${y(Math.max(0, mean - std)).toFixed(1)}" stroke="#222"/>`,
        `<text x="${x + barWidth / 2}" y="${height - 16}" font-size="11" text-anchor="middle">${escapeHtml(initLabel(row))}</text>`,
        `<text x="${x + barWidth / 2}" y="${height - 4}" font-size="9" text-anchor="middle">${escapeHtml(row.detector)}</text>`,
        `<text x="${x + barWidth / 2}" y="${(y(mean + std) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${mean.toFixed(1)}</text>`,
      ].join('');
    })
    .join('\n');
  const width = 60 + rows.length * (barWidth + gap);
  const tableRows = benchmarkMarkdown(rows)
    .split('\n')
    .filter((_, i) => i !== 1)
    .map((line, i) => {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => escapeHtml(c.trim()));
      const tag = i === 0 ? 'th' : 'td';
      return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p>COCO box AP (×100) of each detector fine-tuned from each initialisation, mean ± std over seeds.</p>
<svg width="${width}" height="${height}" role="img" aria-label="AP per initialisation">
<line x1="40" x2="${width}" y1="${y(0)}" y2="${y(0)}" stroke="#222"/>
${bars}
</svg>
<table>
${tableRows}
</table></body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
}
