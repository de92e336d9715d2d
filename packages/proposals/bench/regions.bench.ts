import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, type DecodedImage } from '@ssdet/core';
import { readReferenceFixture } from '@ssdet/test-support';
import { afterAll, bench, describe } from 'vitest';
import { runPythonReference } from '../../../tools/bench/python-reference.js';
import { edgeBoxes, EDGE_BOXES_DEFAULTS } from '../src/edge-boxes/edge-boxes.js';
import { edgeMaps } from '../src/edge-boxes/edge-map.js';
import { resizeBilinear } from '../src/image/resize-bilinear.js';
import { useNativeProposalKernels } from '../src/native/proposal-kernels.js';
import { felzenszwalb } from '../src/segmentation/felzenszwalb.js';
import {
  selectiveSearch,
  selectiveSearchConfig,
} from '../src/selective-search/selective-search.js';

// A 500 × 375 photo: the chelsea fixture (128 × 85) scaled up with our bit-exact cv2.resize — the
// python twin of this bench, tools/reference/proposals/time_reference.py, times scikit-image and
// OpenCV (one thread) on the same pixels, and EdgeBoxes on the edge maps written below.
const small: DecodedImage = {
  width: 128,
  height: 85,
  pixels: new Uint8Array(readReferenceFixture('proposals', 'images', 'chelsea.rgb')),
};
const image = resizeBilinear(small, 500, 375);
const maps = edgeMaps(image);
const heavy = { iterations: 3, time: 0, warmupIterations: 1 };
// SSDET_PROPOSALS_NATIVE=0 benches the TypeScript path.
const native = useNativeProposalKernels(process.env['SSDET_PROPOSALS_NATIVE'] !== '0');

/** Our seconds per call, by bench name (vitest's own table has no ratio column). */
const seconds = new Map<string, number[]>();
function timed(name: string, run: () => void): () => void {
  return () => {
    const start = performance.now();
    run();
    const list = seconds.get(name) ?? [];
    list.push((performance.now() - start) / 1000);
    seconds.set(name, list);
  };
}

/** Which reference key each bench compares with. */
const REFERENCE: Record<string, string> = {
  'felzenszwalb skimage (DetCon: 1000 / 0.8 / 1000)': 'skimage felzenszwalb 1000/0.8/1000',
  'felzenszwalb opencv (k 300, σ 0.9, min 100)': 'opencv graph segmentation 300/0.9/100',
  'selective search, OpenCV fast mode': 'opencv selective search fast',
  'edge boxes box search (512 boxes)': 'opencv edge boxes search only (512 boxes)',
};

function referenceSeconds(): Record<string, number> | string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssdet-regions-bench-'));
  try {
    const edges = path.join(dir, 'edges.f32');
    const orient = path.join(dir, 'orient.f32');
    writeFileSync(edges, maps.edges);
    writeFileSync(orient, maps.orientation);
    const run = runPythonReference('tools/reference/proposals/time_reference.py', [edges, orient]);
    if ('skipped' in run) return run.skipped;
    return JSON.parse(run.stdout) as Record<string, number>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

afterAll(() => {
  const reference = referenceSeconds();
  const lines = [`\nproposals at 500 × 375, ${native ? 'C++ kernels' : 'TypeScript path'}:`];
  for (const [name, key] of Object.entries(REFERENCE)) {
    const runs = seconds.get(name) ?? [];
    const timedRuns = runs.length > 1 ? runs.slice(1) : runs; // the first is the warm-up
    const ours = timedRuns.reduce((a, b) => a + b, 0) / Math.max(1, timedRuns.length);
    const theirs = typeof reference === 'string' ? undefined : reference[key];
    const against =
      theirs === undefined
        ? `reference ${typeof reference === 'string' ? reference : 'missing'}`
        : `${key} ${theirs.toFixed(3)} s, ratio ${(ours / theirs).toFixed(2)}×`;
    lines.push(`  ${name}: ours ${ours.toFixed(3)} s; ${against}`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
});

describe('proposals at 500 × 375 (seconds per image = mean)', () => {
  const fhSkimage = 'felzenszwalb skimage (DetCon: 1000 / 0.8 / 1000)';
  bench(
    fhSkimage,
    timed(fhSkimage, () => {
      felzenszwalb(image, { scale: 1000, sigma: 0.8, minSize: 1000, variant: 'skimage' });
    }),
    heavy,
  );
  const fhOpenCv = 'felzenszwalb opencv (k 300, σ 0.9, min 100)';
  bench(
    fhOpenCv,
    timed(fhOpenCv, () => {
      felzenszwalb(image, { scale: 300, sigma: 0.9, minSize: 100, variant: 'opencv' });
    }),
    heavy,
  );
  const ss = 'selective search, OpenCV fast mode';
  bench(
    ss,
    timed(ss, () => {
      selectiveSearch(image, selectiveSearchConfig('fast'), Rng.fromSeed(0));
    }),
    heavy,
  );
  const eb = 'edge boxes box search (512 boxes)';
  bench(
    eb,
    timed(eb, () => {
      edgeBoxes(maps.edges, maps.orientation, image.width, image.height, {
        ...EDGE_BOXES_DEFAULTS,
        maxBoxes: 512,
      });
    }),
    heavy,
  );
  bench(
    'built-in edge map (no OpenCV counterpart)',
    () => {
      edgeMaps(image);
    },
    heavy,
  );
});
