import sharp from 'sharp';
import type { Dataset } from '@ssdet/core';

/** A min / median / max summary of one image dimension, in pixels. */
export interface DimensionRange {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/**
 * The content of a run's `dataset.json` (read by @ssdet/core's `ssdet report`, which validates
 * it with its own schema: the file is the contract between the two packages).
 */
export interface DatasetDescription {
  readonly description: string;
  readonly images: number;
  readonly imageSizes?: {
    readonly measured: number;
    readonly width: DimensionRange;
    readonly height: DimensionRange;
  };
}

export interface DescribeDatasetOptions {
  /** Image headers read when the dataset does not know its images' sizes (default 64). */
  readonly sample?: number;
}

/**
 * What a run trains on, for its report: the dataset's description, its image count and the
 * range of its image sizes. Sizes the dataset knows (a COCO json's) are used for every image;
 * otherwise the headers of an even sample of the files are read (sharp's metadata, no decoding),
 * so that this stays cheap on ImageNet-sized folders. Files that cannot be read are left out
 * (the loader reports bad images itself).
 */
export async function describeDataset(
  dataset: Dataset,
  options: DescribeDatasetOptions = {},
): Promise<DatasetDescription> {
  const records = Array.from({ length: dataset.size }, (_, index) => dataset.record(index));
  let sizes: { width: number; height: number }[];
  if (records.every((record) => record.width !== undefined && record.height !== undefined)) {
    sizes = records.map((record) => ({ width: record.width!, height: record.height! }));
  } else {
    const sample = Math.min(records.length, options.sample ?? 64);
    const picked = Array.from(
      { length: sample },
      (_, i) => records[Math.floor((i * records.length) / sample)]!,
    );
    const measured = await Promise.all(
      picked.map(async (record) => {
        try {
          const { width, height } = await sharp(record.path).metadata();
          return width === undefined || height === undefined ? undefined : { width, height };
        } catch {
          return undefined;
        }
      }),
    );
    sizes = measured.filter((size) => size !== undefined);
  }
  const base = { description: dataset.description, images: dataset.size };
  if (sizes.length === 0) return base;
  return {
    ...base,
    imageSizes: {
      measured: sizes.length,
      width: range(sizes.map((size) => size.width)),
      height: range(sizes.map((size) => size.height)),
    },
  };
}

function range(values: readonly number[]): DimensionRange {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0]!,
    median: sorted[Math.floor(sorted.length / 2)]!,
    max: sorted[sorted.length - 1]!,
  };
}
