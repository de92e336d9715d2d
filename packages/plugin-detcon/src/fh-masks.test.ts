import { createHash } from 'node:crypto';
import { decodeImage } from '@ssdet/data';
import { FelzenszwalbSource, felzenszwalb } from '@ssdet/proposals';
import { readReferenceJson, repositoryRoot } from '@ssdet/test-support';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskGrid } from './masks/mask-grid.js';

interface FhFixture {
  readonly photo: string;
  readonly rgbSha256: string;
  readonly width: number;
  readonly height: number;
  readonly parameters: { scale: number; sigma: number; min_size: number };
  readonly segments: number;
  readonly labelsRle: number[];
}

function decodeRuns(runs: readonly number[], length: number): Int32Array {
  const labels = new Int32Array(length);
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) {
    labels.fill(runs[i]!, at, at + runs[i + 1]!);
    at += runs[i + 1]!;
  }
  expect(at).toBe(length);
  return labels;
}

/**
 * DetCon's masks are skimage's `felzenszwalb(image, scale=1000, min_size=1000)` of the decoded
 * full-resolution photo (official `generate_fh_masks_for_imagenet.py`). The fixtures are skimage
 * 0.19's label maps of the bundled photos (tools/reference/detcon/make_detcon_golden.py).
 */
describe("DetCon's Felzenszwalb–Huttenlocher masks = skimage.segmentation.felzenszwalb", () => {
  for (const name of ['astronaut', 'coffee', 'chelsea']) {
    it(`${name}: the same label map, label for label, at scale 1000 / σ 0.8 / min_size 1000`, async () => {
      const fixture = readReferenceJson<FhFixture>('detcon', `fh_${name}.json`);
      const image = await decodeImage(path.join(repositoryRoot(), fixture.photo));
      // sharp and PIL decode the JPEG to the same pixels (else the comparison below is moot).
      expect(createHash('sha256').update(image.pixels).digest('hex')).toBe(fixture.rgbSha256);
      expect([image.width, image.height]).toEqual([fixture.width, fixture.height]);

      const source = new FelzenszwalbSource();
      expect(source.parameters).toMatchObject({
        variant: 'skimage',
        scale: fixture.parameters.scale,
        sigma: fixture.parameters.sigma,
        minSize: fixture.parameters.min_size,
      });
      const mask = felzenszwalb(image, {
        variant: 'skimage',
        scale: fixture.parameters.scale,
        sigma: fixture.parameters.sigma,
        minSize: fixture.parameters.min_size,
      });
      const expected = decodeRuns(fixture.labelsRle, fixture.width * fixture.height);
      expect(mask.labels.reduce((a, b) => Math.max(a, b), 0) + 1).toBe(fixture.segments);
      // Exact: every pixel's label, numbering included (both number segments by first appearance).
      let different = 0;
      for (let i = 0; i < expected.length; i++) if (mask.labels[i] !== expected[i]) different++;
      expect(different).toBe(0);
      // The source DetCon's config selects (`regions.algorithm: fh`, preset `detcon`) proposes the same mask.
      const regions = await source.propose(image);
      expect(Array.from(regions.mask!.labels)).toEqual(Array.from(mask.labels));
      // And the grid of a 224-pixel-aligned corner is the same from either.
      const corner = { width: 224, height: 224, labels: new Int32Array(224 * 224) };
      for (let y = 0; y < 224; y++)
        corner.labels.set(expected.subarray(y * fixture.width, y * fixture.width + 224), y * 224);
      expect(maskGrid(corner, 32).ids.length).toBe(49);
    });
  }
});
