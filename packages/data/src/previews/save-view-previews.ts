import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { View } from '@ssdet/core';
import { renderViewPreview, type ViewPreviewOptions } from './render-view-preview.js';

export interface SaveViewPreviewsOptions extends ViewPreviewOptions {
  /** Names for the samples in file names (e.g. record ids); their index by default. */
  readonly sampleNames?: readonly string[];
  /** Save at most this many samples (default: all). */
  readonly maxSamples?: number;
}

/**
 * Writes each view of each sample, as {@link renderViewPreview} draws it, to
 * `dir/<sample>-<view>.png` (`views[sample][view]`, as a `HostBatch` holds them). The trainer
 * calls it for a run's first batch, so `ssdet report` can show what the method trained on.
 * Characters other than letters, digits, `.`, `_` and `-` in names become `_`.
 * Returns the files written, in sample then view order.
 */
export async function saveViewPreviews(
  views: readonly (readonly View[])[],
  dir: string,
  options: SaveViewPreviewsOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const samples = views.slice(0, options.maxSamples ?? views.length);
  const jobs = samples.flatMap((sampleViews, sample) => {
    const sampleName = safeName(options.sampleNames?.[sample] ?? String(sample));
    return sampleViews.map((view) => {
      const file = path.join(dir, `${sampleName}-${safeName(view.name)}.png`);
      const picture = renderViewPreview(view, options);
      const raw = { width: picture.width, height: picture.height, channels: 3 as const };
      return { file, write: () => sharp(picture.pixels, { raw }).png().toFile(file) };
    });
  });
  await Promise.all(jobs.map((job) => job.write()));
  return jobs.map((job) => job.file);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}
