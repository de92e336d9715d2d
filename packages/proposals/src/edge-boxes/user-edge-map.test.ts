import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSsdetError } from '@ssdet/core';
import { referenceFixturePath } from '@ssdet/test-support';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest, readFloat32 } from '../test-support/fixtures.js';
import { edgeMapsFromEdges } from './edge-map.js';
import { edgeMapFile, readEdgeMap } from './user-edge-map.js';

const USER_EDGES = referenceFixturePath('proposals', 'user-edges');
const USER_EDGES_8BIT = referenceFixturePath('proposals', 'user-edges-8bit');
const PHOTOS = ['coffee', 'chelsea'] as const;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ssdet-user-edges-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The message of what `promise` rejects with, checked to be a one-line SsdetError. */
async function failure(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSsdetError(error)).toBe(true);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('edgeMapFile', () => {
  it('finds the edge map by the image file name stem', () => {
    expect(edgeMapFile('/edges', '/data/train/img_001.jpg')).toBe(
      path.join('/edges', 'img_001.png'),
    );
    expect(edgeMapFile('/edges', 'a.b.JPEG')).toBe(path.join('/edges', 'a.b.png'));
    expect(edgeMapFile('/edges', '/data/x/no-extension')).toBe(
      path.join('/edges', 'no-extension.png'),
    );
  });
});

describe('readEdgeMap', () => {
  it('reads a 16-bit map as value / 65535 and feeds OpenCV-identical edge NMS', async () => {
    for (const name of PHOTOS) {
      const { width, height } = manifest().images[name]!;
      const edges = await readEdgeMap(path.join(USER_EDGES, `${name}.png`), width, height);
      expect(edges.length).toBe(width * height);
      // Values on the 1/65535 grid, in [0, 1], reaching 1 (the made-up map is scaled by its max).
      let max = 0;
      for (const value of edges) {
        expect(Math.abs(value * 65535 - Math.round(value * 65535))).toBeLessThan(1e-2);
        max = Math.max(max, value);
      }
      expect(max).toBe(1);
      // cv2's edgesNms on cv2's orientation of the same map (tools/reference/proposals/
      // make_user_edges_fixtures.py): the suppressed map is identical.
      const maps = edgeMapsFromEdges(edges, width, height);
      expect(Array.from(maps.edges)).toEqual(Array.from(readFloat32(`user-nms-${name}.f32`)));
      // Orientation is not bit-exact to cv2 (filter rounding order), but close everywhere.
      const orientation = readFloat32(`user-orient-${name}.f32`);
      let worst = 0;
      for (let i = 0; i < orientation.length; i++) {
        const d = Math.abs(maps.orientation[i]! - orientation[i]!);
        worst = Math.max(worst, Math.min(d, Math.PI - d));
      }
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('reads an 8-bit map as value / 255', async () => {
    const { width, height } = manifest().images['coffee']!;
    const sixteen = await readEdgeMap(path.join(USER_EDGES, 'coffee.png'), width, height);
    const eight = await readEdgeMap(path.join(USER_EDGES_8BIT, 'coffee.png'), width, height);
    let differ = 0;
    for (let i = 0; i < eight.length; i++) {
      expect(Math.abs(eight[i]! * 255 - Math.round(eight[i]! * 255))).toBeLessThan(1e-3);
      // Both quantise the same float map: within half a step of 1/255 (plus 16-bit rounding).
      expect(Math.abs(eight[i]! - sixteen[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1 / 65535);
      if (eight[i] !== sixteen[i]) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('names the file and what was expected when the map is missing or unusable', async () => {
    const missing = path.join(dir, 'nothing.png');
    expect(await failure(readEdgeMap(missing, 40, 30))).toBe(
      `edge-boxes: edge map ${missing} does not exist; expected an 8- or 16-bit grayscale PNG of 40 × 30 named after the image's file`,
    );

    const small = path.join(dir, 'small.png');
    await sharp(Buffer.alloc(20 * 10), { raw: { width: 20, height: 10, channels: 1 } })
      .png()
      .toFile(small);
    expect(await failure(readEdgeMap(small, 40, 30))).toBe(
      `edge-boxes: edge map ${small} is 20 × 10; expected an 8- or 16-bit grayscale PNG of 40 × 30 (the image's size)`,
    );

    const colour = path.join(dir, 'colour.png');
    await sharp(Buffer.alloc(40 * 30 * 3), { raw: { width: 40, height: 30, channels: 3 } })
      .png()
      .toFile(colour);
    expect(await failure(readEdgeMap(colour, 40, 30))).toMatch(
      /^edge-boxes: edge map .*colour\.png has 3 channels; expected an 8- or 16-bit grayscale PNG of 40 × 30/,
    );

    const jpeg = path.join(dir, 'jpeg.png');
    await sharp(Buffer.alloc(40 * 30), { raw: { width: 40, height: 30, channels: 1 } })
      .jpeg()
      .toFile(jpeg);
    expect(await failure(readEdgeMap(jpeg, 40, 30))).toMatch(
      /jpeg\.png is a jpeg file, not a PNG;/,
    );

    const text = path.join(dir, 'text.png');
    await writeFile(text, 'not an image');
    expect(await failure(readEdgeMap(text, 40, 30))).toMatch(
      /^edge-boxes: edge map .*text\.png is not a readable image \(/,
    );
  });
});
