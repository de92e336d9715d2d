import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { JsonlMetricsSink, type DecodedImage } from '@ssdet/core';
import { decodeImage } from '@ssdet/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../program.js';
import { captureIo } from '../test-support/capture-io.js';

const run = promisify(execFile);

/** Debian's `chromium` (CI installs it, see .ci/run); the screenshot test is skipped without it. */
const chromium = ['chromium', 'chromium-browser'].find((binary) => {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

let dir: string;
let reportFile: string;
let html: string;

/** A 60-step run: a noisy falling loss of two terms, a cosine lr, throughput and data wait. */
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-report-cli-'));
  const runDir = path.join(dir, 'run');
  await mkdir(runDir);
  const sink = new JsonlMetricsSink(path.join(runDir, 'metrics.jsonl'));
  for (let step = 1; step <= 60; step++) {
    const noise = step % 2 === 0 ? 0.3 : -0.3;
    const global = 4 * Math.exp(-step / 30) + noise;
    const dense = 3 * Math.exp(-step / 40) - noise / 2;
    await sink.write({
      step,
      epoch: Math.floor(step / 20),
      loss: global + dense,
      terms: { global, dense },
      lr: 0.03 * 0.5 * (1 + Math.cos((Math.PI * step) / 60)),
      momentum: 0.99,
      imagesPerSecond: 40 + (step % 5),
      dataWaitFraction: 0.1 * (step % 3),
      backend: 'cpu',
      time: 1_700_000_000_000 + step * 1000,
    });
  }
  await sink.close();
  await writeFile(path.join(runDir, 'config.yaml'), 'method: densecl\n');
  await writeFile(
    path.join(runDir, 'dataset.json'),
    JSON.stringify({ description: 'folder /data/demo', images: 64 }),
  );
  const io = captureIo(dir);
  expect(await runCli(['report', 'run'], io)).toBe(0);
  reportFile = path.join(runDir, 'report.html');
  expect(io.out).toBe(`Wrote ${reportFile}\n`);
  html = await readFile(reportFile, 'utf8');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function screenshot(width: number): Promise<DecodedImage> {
  const out = path.join(dir, `report-${width}.png`);
  await run(
    chromium!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      `--user-data-dir=${path.join(dir, `profile-${width}`)}`,
      `--screenshot=${out}`,
      `--window-size=${width},2000`,
      pathToFileURL(reportFile).href,
    ],
    { timeout: 60_000 },
  );
  return decodeImage(out);
}

/** x-coordinates of the pixels within a small distance of `hex`. */
function pixelsOfColor(image: DecodedImage, hex: string): { x: number; y: number }[] {
  const target = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  const found: { x: number; y: number }[] = [];
  for (let p = 0; p < image.width * image.height; p++) {
    const distance = Math.hypot(
      image.pixels[p * 3]! - target[0]!,
      image.pixels[p * 3 + 1]! - target[1]!,
      image.pixels[p * 3 + 2]! - target[2]!,
    );
    if (distance < 30) found.push({ x: p % image.width, y: Math.floor(p / image.width) });
  }
  return found;
}

describe('ssdet report', () => {
  it('writes report.html with smoothed curves and the dataset table', () => {
    expect(html).toContain('<th>source</th><td>folder /data/demo</td>');
    expect(html).toContain('class="smoothed"');
    expect(html).not.toContain('Only 60 metrics records');
  });

  it.skipIf(chromium === undefined)(
    'renders in headless Chromium: curves in their colours, two columns at 1280 px, one at 600 px (skipped when `chromium` is not installed)',
    async () => {
      // The Loss chart's series: loss, loss/global, loss/dense in the first three series colours.
      const colors = [...html.matchAll(/<polyline class="smoothed"[^>]* stroke="(#[0-9a-f]{6})"/g)]
        .slice(0, 3)
        .map((m) => m[1]!);
      expect(new Set(colors).size).toBe(3);

      const wide = await screenshot(1280);
      expect([wide.width, wide.height]).toEqual([1280, 2000]);
      let nonWhite = 0;
      for (let p = 0; p < wide.pixels.length; p += 3)
        if (wide.pixels[p]! + wide.pixels[p + 1]! + wide.pixels[p + 2]! < 720) nonWhite++;
      expect(nonWhite / (wide.width * wide.height)).toBeGreaterThan(0.01);

      // loss/global is drawn only in the Loss chart: its extent is that chart's.
      const wideGlobal = pixelsOfColor(wide, colors[1]!);
      expect(wideGlobal.length).toBeGreaterThan(100);
      expect(pixelsOfColor(wide, colors[2]!).length).toBeGreaterThan(100);
      // Two columns: the Loss chart fills the left half only…
      expect(Math.max(...wideGlobal.map((p) => p.x))).toBeLessThan(1280 / 2);
      // …and the Learning-rate chart (series colour 0 as well) sits beside it, in the right half.
      const top = Math.min(...wideGlobal.map((p) => p.y));
      const bottom = Math.max(...wideGlobal.map((p) => p.y));
      const besideLoss = pixelsOfColor(wide, colors[0]!).filter(
        (p) => p.x > 1280 / 2 && p.y >= top && p.y <= bottom,
      );
      expect(besideLoss.length).toBeGreaterThan(50);

      const narrow = await screenshot(600);
      const narrowGlobal = pixelsOfColor(narrow, colors[1]!);
      expect(narrowGlobal.length).toBeGreaterThan(100);
      // One column: the Loss chart spans most of the page's width.
      const xs = narrowGlobal.map((p) => p.x);
      expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(600 * 0.6);
    },
    120_000,
  );
});
