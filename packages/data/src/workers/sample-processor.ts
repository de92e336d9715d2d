import type { Dataset, ImageRecord, RegionSource, Rng, View, ViewGenerator } from '@ssdet/core';

/** Decodes image `index` and turns it into views, drawing from `rng`. */
export interface SampleProcessor {
  process(
    index: number,
    rng: Rng,
  ): Promise<{ readonly record: ImageRecord; readonly views: View[] }>;
  /** Releases threads or other resources. */
  close(): Promise<void>;
}

/** Processes samples on the calling thread (image decoding still runs in libvips' threads). */
export class InThreadSampleProcessor implements SampleProcessor {
  constructor(
    private readonly dataset: Dataset,
    private readonly views: ViewGenerator,
    private readonly regions?: RegionSource,
  ) {}

  async process(index: number, rng: Rng): Promise<{ record: ImageRecord; views: View[] }> {
    const sample = await this.dataset.load(index);
    const regions =
      this.views.needsRegions && this.regions !== undefined
        ? // The record lets sources that read per-image files (user edge maps) find them.
          await this.regions.propose(sample.image, rng.fork('regions'), { record: sample.record })
        : undefined;
    // The record carries the decoded size, so the loader can warn about images too small to
    // give real views (wherever the sample was processed).
    const record = { ...sample.record, width: sample.image.width, height: sample.image.height };
    return { record, views: await this.views.generate(sample, regions, rng) };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
