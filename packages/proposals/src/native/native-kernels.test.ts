import { Rng, type DecodedImage } from '@ssdet/core';
import { afterEach, describe, expect, it } from 'vitest';
import { edgeBoxes, EDGE_BOXES_DEFAULTS } from '../edge-boxes/edge-boxes.js';
import { edgeMaps } from '../edge-boxes/edge-map.js';
import { felzenszwalb, type FelzenszwalbOptions } from '../segmentation/felzenszwalb.js';
import { gaussianBlurOpenCv } from '../segmentation/gaussian-opencv.js';
import { selectiveSearch, selectiveSearchConfig } from '../selective-search/selective-search.js';
import { stdSort } from '../sort/std-sort.js';
import { EXACT_PHOTOS, exactPhoto } from '../test-support/opencv-exact.js';
import { manifest, PHOTOS, readFloat32 } from '../test-support/fixtures.js';
import { proposalKernels, useNativeProposalKernels } from './proposal-kernels.js';

const nativeBuilt = useNativeProposalKernels(true);

/** `run` on the TypeScript path, then on the C++ kernels. */
function bothPaths<T>(run: () => T): { typescript: T; native: T } {
  useNativeProposalKernels(false);
  const typescript = run();
  useNativeProposalKernels(true);
  const native = run();
  return { typescript, native };
}

function bytes(array: Float32Array | Float64Array | Int32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

afterEach(() => {
  useNativeProposalKernels(true);
});

describe.skipIf(!nativeBuilt)('C++ proposal kernels equal the TypeScript path bit for bit', () => {
  it('switches between the paths', () => {
    expect(useNativeProposalKernels(false)).toBe(false);
    expect(proposalKernels()).toBeUndefined();
    expect(useNativeProposalKernels(true)).toBe(true);
    expect(proposalKernels()).toBeDefined();
  });

  it('std::sort: the same order of ties as the replay', () => {
    const rng = Rng.fromSeed(7);
    for (const n of [300, 5000]) {
      // few distinct keys, so most comparisons are ties whose order the sort decides
      const keys = Float32Array.from({ length: n }, () => Math.floor(rng.uniform() * 20) / 4);
      const wide = Float64Array.from(keys, (k) => k + rng.uniform() * 1e-3);
      for (const input of [keys, wide]) {
        const { typescript, native } = bothPaths(() => {
          const k = input.slice();
          const payload = Int32Array.from({ length: n }, (_, i) => i);
          stdSort(k, payload);
          return { k, payload };
        });
        expect(bytes(native.k).equals(bytes(typescript.k))).toBe(true);
        expect(Array.from(native.payload)).toEqual(Array.from(typescript.payload));
      }
    }
  });

  for (const name of EXACT_PHOTOS) {
    describe(name, () => {
      let photo: DecodedImage;
      const load = async (): Promise<DecodedImage> => (photo ??= await exactPhoto(name, 'medium'));

      it('Gaussian blur (OpenCV float32, σ 0.8)', async () => {
        const image = await load();
        const input = Float32Array.from(image.pixels);
        const { typescript, native } = bothPaths(() =>
          gaussianBlurOpenCv(input, image.width, image.height, 3, 0.8),
        );
        expect(bytes(native).equals(bytes(typescript))).toBe(true);
      });

      const fhCases: FelzenszwalbOptions[] = [
        { variant: 'opencv', scale: 300, sigma: 0.9, minSize: 100 },
        { variant: 'opencv', scale: 100, sigma: 0.8, minSize: 20 },
        { variant: 'skimage', scale: 1000, sigma: 0.8, minSize: 1000 },
      ];
      for (const options of fhCases) {
        it(`Felzenszwalb ${options.variant} ${options.scale}/${options.sigma}/${options.minSize}`, async () => {
          const image = await load();
          const { typescript, native } = bothPaths(() => felzenszwalb(image, options));
          expect(native.labels).toEqual(typescript.labels);
        });
      }

      it('Selective Search fast mode: boxes and ranks', async () => {
        const image = await load();
        const { typescript, native } = bothPaths(() =>
          selectiveSearch(image, selectiveSearchConfig('fast'), Rng.fromSeed(3)),
        );
        expect(native.boxes.length).toBeGreaterThan(0);
        expect(Array.from(native.boxes)).toEqual(Array.from(typescript.boxes));
        expect(Array.from(native.ranks)).toEqual(Array.from(typescript.ranks));
      });

      it('EdgeBoxes on the built-in edge map: boxes and scores', async () => {
        const image = await load();
        const maps = edgeMaps(image);
        const options = { ...EDGE_BOXES_DEFAULTS, maxBoxes: 1000 };
        const { typescript, native } = bothPaths(() =>
          edgeBoxes(maps.edges, maps.orientation, image.width, image.height, options),
        );
        expect(native.scores.length).toBeGreaterThan(10);
        expect(bytes(native.boxes).equals(bytes(typescript.boxes))).toBe(true);
        expect(bytes(native.scores).equals(bytes(typescript.scores))).toBe(true);
      });
    });
  }

  for (const name of PHOTOS) {
    it(`EdgeBoxes on OpenCV's structured-edge maps (${name}), adaptive NMS (η 0.9)`, () => {
      const { width, height } = manifest().images[name]!;
      const edges = readFloat32(`edges-${name}.f32`);
      const orient = readFloat32(`orient-${name}.f32`);
      const options = { ...EDGE_BOXES_DEFAULTS, eta: 0.9, minBoxArea: 200 };
      const { typescript, native } = bothPaths(() =>
        edgeBoxes(edges, orient, width, height, options),
      );
      expect(native.scores.length).toBeGreaterThan(0);
      expect(bytes(native.boxes).equals(bytes(typescript.boxes))).toBe(true);
      expect(bytes(native.scores).equals(bytes(typescript.scores))).toBe(true);
    });
  }
});
