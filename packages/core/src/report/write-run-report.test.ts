import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SsdetError } from '../errors/ssdet-error.js';
import { JsonlMetricsSink } from '../metrics/jsonl-metrics-sink.js';
import { makeRecord } from '../metrics/test-support/make-record.js';
import { writeRunReport } from './write-run-report.js';

const CONFIG = 'method: soco\nnote: "<script>alert(1)</script> & more"\n';

/** A 1 × 1 PNG: the report embeds the files of views/ as they are (ssdet's data package writes them). */
const ONE_PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC',
  'base64',
);

describe('writeRunReport', () => {
  let run: string;
  beforeEach(async () => {
    run = await mkdtemp(path.join(tmpdir(), 'ssdet-report-'));
  });
  afterEach(async () => {
    await rm(run, { recursive: true, force: true });
  });

  async function writeRun(steps: readonly number[]): Promise<void> {
    const sink = new JsonlMetricsSink(path.join(run, 'metrics.jsonl'));
    for (const step of steps) await sink.write(makeRecord(step));
    await sink.close();
    await writeFile(path.join(run, 'config.yaml'), CONFIG);
    await mkdir(path.join(run, 'views'), { recursive: true });
    for (const view of ['0-query', '0-key'])
      await writeFile(path.join(run, 'views', `${view}.png`), ONE_PIXEL_PNG);
  }

  const polylinePointCounts = (html: string, kind = 'raw'): number[] =>
    [...html.matchAll(new RegExp(`<polyline class="${kind}"[^>]* points="([^"]*)"`, 'g'))].map(
      (m) => m[1]!.split(' ').length,
    );

  it('writes a self-contained page with curves, escaped config and the view images', async () => {
    await writeRun([1, 2, 3, 4, 5, 6, 7]);
    const file = await writeRunReport(run);
    expect(file).toBe(path.join(run, 'report.html'));
    const html = await readFile(file, 'utf8');

    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<svg');
    // loss, loss/global, loss/dense, lr, momentum, images/s, data wait: one point per record each.
    const counts = polylinePointCounts(html);
    expect(counts).toHaveLength(7);
    expect(new Set(counts)).toEqual(new Set([7]));
    // Smoothed over them: the three loss curves, images/s and data wait; never the lr schedule.
    expect(polylinePointCounts(html, 'smoothed')).toEqual([7, 7, 7, 7, 7]);
    expect(html).toContain('Only 7 metrics records');
    // Two columns that collapse on narrow screens.
    expect(html).toMatch(/\.columns \{[^}]*grid-template-columns: repeat\(2,/);
    expect(html).toMatch(/@media \(max-width: [^)]+\) \{ \.columns, \.charts/);

    expect(html).toContain(
      '<pre>method: soco\nnote: &quot;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more&quot;\n</pre>',
    );
    expect(html).not.toMatch(/<script/i);

    const images = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)" alt="([^"]+)">/g)];
    expect(images.map((m) => m[2])).toEqual(['0-key', '0-query']);
    expect(html).toContain('Training views (first batch, 2 images)');
    expect(html).toContain("A box outline's colour is its region's id");
    expect(html).toContain('<span class="swatch" style="border-color: #');
    const onDisk = await readFile(path.join(run, 'views', '0-key.png'));
    expect(Buffer.from(images[0]![1]!, 'base64').equals(onDisk)).toBe(true);
    // Nothing fetched from elsewhere.
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/)/);
  });

  it("summarises the loss by its first, last and late values, never a queue-filling step's low", async () => {
    const sink = new JsonlMetricsSink(path.join(run, 'metrics.jsonl'));
    // A contrastive loss: lowest at step 1 (random queue), then high, then slowly falling.
    const losses = [0.4, 2.3, 3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.2, 2.0];
    for (const [i, loss] of losses.entries())
      await sink.write(makeRecord(i + 1, { loss, momentum: 0.999 }));
    await sink.close();
    const html = await readFile(await writeRunReport(run), 'utf8');
    expect(html).not.toMatch(/lowest/);
    expect(html).toMatch(/<th>loss \(first → last\)<\/th><td>0\.4 → 2<\/td>/);
    expect(html).toMatch(/<th>loss \(mean of the last 2 records\)<\/th><td>2\.1<\/td>/);
    // A constant momentum is a number in the summary, not a flat chart.
    expect(html).toMatch(/<th>EMA momentum<\/th><td>0\.999 \(constant\)<\/td>/);
    expect(html).not.toMatch(/EMA step/);
  });

  it('summarises the dataset from dataset.json and bad-images.txt', async () => {
    await writeRun([1, 2]);
    await writeFile(
      path.join(run, 'dataset.json'),
      JSON.stringify({
        description: 'folder /data/<imgs>',
        images: 120,
        imageSizes: {
          measured: 64,
          width: { min: 320, median: 640, max: 1024 },
          height: { min: 240, median: 480, max: 768 },
        },
      }),
    );
    await writeFile(path.join(run, 'bad-images.txt'), 'a.jpg\ttruncated\nb.png\tnot an image\n');
    const html = await readFile(await writeRunReport(run), 'utf8');
    const row = (key: string): string | undefined =>
      html.match(new RegExp(`<th>${key}</th><td>([^<]*)</td>`))?.[1];
    expect(row('source')).toBe('folder /data/&lt;imgs&gt;');
    expect(row('images')).toBe('120');
    expect(row('width \\(min / median / max\\)')).toBe('320 / 640 / 1024 px');
    expect(row('height \\(min / median / max\\)')).toBe('240 / 480 / 768 px');
    expect(row('sizes measured on')).toBe('64 of 120 images');
    expect(row('bad images \\(skipped\\)')).toBe('2 (listed in bad-images.txt)');
  });

  it('names the field of a malformed dataset.json', async () => {
    await writeRun([1]);
    await writeFile(
      path.join(run, 'dataset.json'),
      JSON.stringify({ description: 'x', images: -1 }),
    );
    const error: unknown = await writeRunReport(run).catch((e) => e);
    expect((error as SsdetError).code).toBe('REPORT_BAD_DATASET_JSON');
    expect((error as SsdetError).message).toMatch(/dataset\.json: images: /);
  });

  it('charts a scheduled momentum as 1 − momentum', async () => {
    await writeRun([1, 2, 3]);
    const html = await readFile(await writeRunReport(run), 'utf8');
    expect(html).toContain('EMA step (1 − momentum)');
    expect(html).toMatch(/<th>EMA momentum \(first → last\)<\/th><td>0\.9901 → 0\.9903<\/td>/);
  });

  it('shows the resumed attempt once when steps were logged twice', async () => {
    await writeRun([1, 2, 3, 4, 3, 4, 5]);
    const html = await readFile(await writeRunReport(run), 'utf8');
    expect(new Set(polylinePointCounts(html))).toEqual(new Set([5]));
  });

  it('still reports a run without config or views', async () => {
    await mkdir(run, { recursive: true });
    await writeFile(path.join(run, 'metrics.jsonl'), '');
    const out = path.join(run, 'elsewhere.html');
    expect(await writeRunReport(run, { out })).toBe(out);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('No metrics recorded yet.');
    expect(html).toContain('No config.yaml in this run.');
    expect(html).toContain('No view previews in this run.');
    expect(html).toContain('unknown (no dataset.json in this run)');
  });

  it('fails with a SsdetError naming the directory when metrics.jsonl is missing', async () => {
    const error: unknown = await writeRunReport(run).catch((e) => e);
    expect(error).toBeInstanceOf(SsdetError);
    expect((error as SsdetError).code).toBe('REPORT_NO_METRICS');
    expect((error as SsdetError).message).toContain(`${run} has no metrics.jsonl`);
    const missingDir: unknown = await writeRunReport(path.join(run, 'nope')).catch((e) => e);
    expect((missingDir as SsdetError).code).toBe('REPORT_NO_METRICS');
  });
});
