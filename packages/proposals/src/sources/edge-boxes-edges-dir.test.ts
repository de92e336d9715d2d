import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSsdetError, Rng, type DecodedImage, type ImageRecord } from '@ssdet/core';
import { referenceFixturePath } from '@ssdet/test-support';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedRegionSource } from '../cache/cached-region-source.js';
import { decodeEntry, RegionCache, regionCacheKey } from '../cache/region-cache.js';
import { createRegionSource } from '../job/region-source-factory.js';
import { runRegionsJob } from '../job/regions-job.js';
import { readManifest } from '../job/manifest.js';
import { photo, readJson } from '../test-support/fixtures.js';
import { EdgeBoxesSource } from './region-sources.js';

const USER_EDGES = referenceFixturePath('proposals', 'user-edges');
const PHOTOS = ['coffee', 'chelsea'] as const;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-edges-dir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A record whose file lives elsewhere: only its name stem finds the edge map. */
function record(name: string): ImageRecord {
  return { id: `${name}.jpg`, path: `/datasets/photos/${name}.jpg` };
}

/** OpenCV's EdgeBoxes rects (x + 1, y + 1, w, h) on cv2's orientation + NMS of the same map, as xyxy. */
function openCvBoxes(name: string): number[] {
  const ref = readJson<{ boxes: number[][] }>(`user-edges-${name}.json`);
  return ref.boxes.flatMap(([x, y, w, h]) => [x! - 1, y! - 1, x! - 1 + w!, y! - 1 + h!]);
}

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isSsdetError(error)).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected an SsdetError');
}

describe('edge-boxes with edgesDir (user structured-edge maps)', () => {
  it('gives the boxes and scores of OpenCV EdgeBoxes on the same edge map', async () => {
    const source = new EdgeBoxesSource({ maxBoxes: 200, edgesDir: USER_EDGES });
    for (const name of PHOTOS) {
      const regions = await source.propose(photo(name), Rng.fromSeed(0), {
        record: record(name),
      });
      expect(Array.from(regions.boxes)).toEqual(openCvBoxes(name));
      const scores = readJson<{ scores: number[] }>(`user-edges-${name}.json`).scores;
      expect(regions.scores!.length).toBe(scores.length);
      for (let i = 0; i < scores.length; i++) expect(regions.scores![i]).toBeCloseTo(scores[i]!, 5);
    }
  });

  it('changes the boxes from those of the built-in edge detector', async () => {
    const image = photo('coffee');
    const builtIn = await new EdgeBoxesSource({ maxBoxes: 200 }).propose(image);
    const user = await new EdgeBoxesSource({ maxBoxes: 200, edgesDir: USER_EDGES }).propose(
      image,
      Rng.fromSeed(0),
      { record: record('coffee') },
    );
    expect(Array.from(user.boxes)).not.toEqual(Array.from(builtIn.boxes));
    // …and the built-in source ignores a context it does not need.
    const again = await new EdgeBoxesSource({ maxBoxes: 200 }).propose(image, Rng.fromSeed(0), {
      record: record('coffee'),
    });
    expect(Array.from(again.boxes)).toEqual(Array.from(builtIn.boxes));
  });

  it('looks the map up by the image file stem and says which file is missing', async () => {
    const source = new EdgeBoxesSource({ edgesDir: USER_EDGES });
    const image = photo('coffee');
    // Any image file named coffee.* uses coffee.png, wherever it lives.
    const other = await source.propose(image, Rng.fromSeed(0), {
      record: { id: '17', path: '/elsewhere/coffee.webp' },
    });
    const first = await source.propose(image, Rng.fromSeed(0), { record: record('coffee') });
    expect(Array.from(other.boxes)).toEqual(Array.from(first.boxes));
    // coffee.png is 128 × 85: a 128 × 128 image named coffee cannot use it.
    await expect(
      source.propose(photo('astronaut'), Rng.fromSeed(0), { record: record('coffee') }),
    ).rejects.toThrow(
      `edge-boxes: edge map ${path.join(USER_EDGES, 'coffee.png')} is 128 × 85; expected an 8- or 16-bit grayscale PNG of 128 × 128 (the image's size)`,
    );
    await expect(
      source.propose(image, Rng.fromSeed(0), { record: record('astronaut') }),
    ).rejects.toThrow(`edge map ${path.join(USER_EDGES, 'astronaut.png')} does not exist`);
    await expect(source.propose(image, Rng.fromSeed(0))).rejects.toThrow(
      `edge-boxes: "edgesDir" (${USER_EDGES}) needs the image's file name to find its edge map, but the caller passed no record`,
    );
  });

  it('checks edgesDir when the source is built', () => {
    const missing = path.join(dir, 'no-such-dir');
    expect(message(() => new EdgeBoxesSource({ edgesDir: missing }))).toBe(
      `edge-boxes: parameter "edgesDir" must be an existing directory of edge maps, got ${missing}`,
    );
    expect(message(() => new EdgeBoxesSource({ edgesDir: '' }))).toBe(
      'edge-boxes: parameter "edgesDir" must be a directory path, got ""',
    );
    expect(message(() => createRegionSource('edge-boxes', { edgesDir: 12 }))).toBe(
      'edge-boxes: parameter "edgesDir" must be a directory path, got 12',
    );
    expect(message(() => new EdgeBoxesSource({ edgesDir: USER_EDGES, edgeSigma: 2 }))).toMatch(
      /"edgeSigma" tunes the built-in edge detector, which "edgesDir" replaces/,
    );
  });

  it('is a parameter of `ssdet regions` and of the config, with the siamese-detr preset', () => {
    const source = createRegionSource('edge-boxes', {
      preset: 'siamese-detr',
      edgesDir: USER_EDGES,
    });
    expect(source.parameters).toMatchObject({
      maxBoxes: 512,
      edgesDir: USER_EDGES,
      edgeDetector: 'user-edge-maps-v1',
    });
    expect(source.parameters).not.toHaveProperty('edgeSigma');
    // A relative directory resolves against the working directory.
    const relative = path.relative(process.cwd(), USER_EDGES);
    expect(createRegionSource('edge-boxes', { edgesDir: relative }).parameters['edgesDir']).toBe(
      USER_EDGES,
    );
  });
});

describe('region cache and edgesDir', () => {
  it('keys user-edge boxes apart from built-in ones and from other edge directories', async () => {
    const image = photo('coffee');
    const builtIn = new EdgeBoxesSource();
    const user = new EdgeBoxesSource({ edgesDir: USER_EDGES });
    const otherDir = path.join(dir, 'other-edges');
    await mkdir(otherDir, { recursive: true });
    const other = new EdgeBoxesSource({ edgesDir: otherDir });
    const keys = [builtIn, user, other].map((source) => regionCacheKey(image, source));
    expect(new Set(keys).size).toBe(3);
    // The built-in key is what it was before edgesDir existed, so old cache entries stay valid.
    expect(builtIn.parameters).toEqual({
      alpha: 0.65,
      beta: 0.75,
      eta: 1,
      minScore: 0.01,
      maxBoxes: 512,
      edgeMinMag: 0.1,
      edgeMergeThr: 0.5,
      clusterMinMag: 0.5,
      maxAspectRatio: 3,
      minBoxArea: 1000,
      gamma: 2,
      kappa: 1.5,
      edgeSigma: 1,
      edgeDetector: 'sobel-nms-v1',
    });
  });

  it('passes the record through and never serves built-in boxes for user edges', async () => {
    const cache = new RegionCache(path.join(dir, 'cache'));
    const image = photo('coffee');
    const context = { record: record('coffee') };
    const builtIn = new CachedRegionSource(new EdgeBoxesSource({ maxBoxes: 200 }), cache);
    const user = new CachedRegionSource(
      new EdgeBoxesSource({ maxBoxes: 200, edgesDir: USER_EDGES }),
      cache,
    );
    const first = await builtIn.proposeWithStatus(image, Rng.fromSeed(0), context);
    expect(first.outcome.status).toBe('miss');
    const fromUser = await user.proposeWithStatus(image, Rng.fromSeed(0), context);
    expect(fromUser.outcome.status).toBe('miss');
    expect(Array.from(fromUser.regions.boxes)).toEqual(openCvBoxes('coffee'));
    const cached = await user.proposeWithStatus(image, Rng.fromSeed(0), context);
    expect(cached.outcome.status).toBe('hit');
    expect(Array.from(cached.regions.boxes)).toEqual(openCvBoxes('coffee'));
    expect((await builtIn.proposeWithStatus(image, Rng.fromSeed(0))).regions.boxes).toEqual(
      first.regions.boxes,
    );
  });
});

describe('ssdet regions job with edgesDir', () => {
  it('hands each image its record: boxes from its own edge map, a missing map fails that image', async () => {
    const images = path.join(dir, 'images');
    await mkdir(images, { recursive: true });
    // PNG keeps the fixture pixels exactly; `extra` has no edge map.
    for (const [name, file] of [
      ['coffee', 'coffee.png'],
      ['chelsea', 'chelsea.png'],
      ['astronaut', 'extra.png'],
    ] as const) {
      const image: DecodedImage = photo(name);
      await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
        .png()
        .toFile(path.join(images, file));
    }
    for (const workers of [0, 1]) {
      const { summary, files } = await runRegionsJob({
        dataset: images,
        algorithm: 'edge-boxes',
        parameters: { maxBoxes: 200, edgesDir: USER_EDGES },
        outDir: path.join(dir, `job-${workers}`),
        workers,
        progressIntervalSeconds: 0,
      });
      expect(summary.images).toMatchObject({ done: 2, failed: 1 });
      expect(summary.failed).toEqual([
        {
          id: 'extra.png',
          file: path.join(images, 'extra.png'),
          reason: 'algorithm',
          message: `edge-boxes: edge map ${path.join(USER_EDGES, 'extra.png')} does not exist; expected an 8- or 16-bit grayscale PNG of 128 × 128 named after the image's file`,
        },
      ]);
      for (const entry of await readManifest(files.manifest)) {
        const lookup = decodeEntry(await readFile(path.join(files.outDir, entry.entry)), entry.key);
        expect(lookup.status).toBe('hit');
        if (lookup.status !== 'hit') continue;
        expect(Array.from(lookup.regions.boxes)).toEqual(openCvBoxes(path.parse(entry.id).name));
      }
    }
  });
});
