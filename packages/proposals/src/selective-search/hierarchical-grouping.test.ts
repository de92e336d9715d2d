import { describe, expect, it } from 'vitest';
import type { InterleavedImage } from '../image/interleaved-image.js';
import { stdSort } from '../sort/std-sort.js';
import { hierarchicalGrouping } from './hierarchical-grouping.js';
import { regionFeatures } from './region-features.js';
import { initialNeighbours } from './selective-search.js';
import { SimilarityStrategy, type SimilarityMeasure } from './similarity.js';
import { textureBins } from './texture-bins.js';

/**
 * OpenCV's loop written out plainly: sort the whole vector every step, pop the last pair, erase
 * the pairs touching it, append the new region's pairs. Returns the merged pairs in order and
 * how many steps had a tie for the top similarity.
 */
function plainOpenCvLoop(
  strategy: SimilarityStrategy,
  count: number,
  neighbours: Int32Array,
): { merges: string[]; ties: number } {
  let pairs: { key: number; from: number; to: number }[] = [];
  for (let e = 0; e < neighbours.length; e += 2) {
    const [i, j] = [neighbours[e]!, neighbours[e + 1]!];
    pairs.push({ key: strategy.similarity(i, j), from: i, to: j });
  }
  const workingId = Array.from({ length: count }, (_, i) => i);
  const merges: string[] = [];
  let ties = 0;
  while (pairs.length > 0) {
    const keys = Float32Array.from(pairs, (p) => p.key);
    const order = Int32Array.from(pairs, (_, i) => i);
    stdSort(keys, order);
    pairs = Array.from(order, (i) => pairs[i]!);
    if (pairs.length > 1 && keys[keys.length - 1] === keys[keys.length - 2]) ties++;
    const { from, to } = pairs.pop()!;
    merges.push(`${from}+${to}`);
    const node = workingId.length;
    workingId.push(Math.min(workingId[from]!, workingId[to]!));
    strategy.merge(workingId[from]!, workingId[to]!);
    const partners: number[] = [];
    pairs = pairs.filter((p) => {
      const touches = p.from === from || p.from === to || p.to === from || p.to === to;
      if (touches) {
        const other = p.from === from || p.from === to ? p.to : p.from;
        if (!partners.includes(other)) partners.push(other);
      }
      return !touches;
    });
    for (const partner of partners) {
      pairs.push({
        key: strategy.similarity(workingId[node]!, workingId[partner]!),
        from: node,
        to: partner,
      });
    }
  }
  return { merges, ties };
}

/** A 96 × 96 image of 12 × 12 blocks of 8 × 8 pixels, one segment and one colour per block. */
function blocks(): { image: InterleavedImage; labels: Int32Array; count: number } {
  const side = 96;
  const block = 8;
  const perRow = side / block;
  const data = new Uint8Array(side * side * 3);
  const labels = new Int32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const label = Math.floor(y / block) * perRow + Math.floor(x / block);
      labels[y * side + x] = label;
      for (let c = 0; c < 3; c++)
        data[(y * side + x) * 3 + c] = (label * (37 + 54 * c) + x * c) % 256;
    }
  }
  return {
    image: { width: side, height: side, channels: 3, data },
    labels,
    count: perRow * perRow,
  };
}

describe('hierarchicalGrouping', () => {
  const cases: SimilarityMeasure[][] = [['size'], ['fill'], ['colour', 'fill', 'texture', 'size']];
  for (const measures of cases) {
    it(`merges in OpenCV's order, ties included (${measures.join('+')})`, () => {
      const { image, labels, count } = blocks();
      const features = regionFeatures(image, labels, count, textureBins(image));
      const neighbours = initialNeighbours(labels, image.width, image.height, count);
      const reference = plainOpenCvLoop(
        new SimilarityStrategy(measures, features),
        count,
        neighbours,
      );
      const grouped = hierarchicalGrouping(
        new SimilarityStrategy(measures, features),
        features.rects,
        count,
        neighbours,
      );
      expect(grouped.count).toBe(count + reference.merges.length);
      // Rebuild each node's box from the reference merges and compare with ours.
      const rects = Array.from({ length: count }, (_, i) =>
        Array.from(features.rects.subarray(i * 4, i * 4 + 4)),
      );
      for (const merge of reference.merges) {
        const [a, b] = merge.split('+').map(Number) as [number, number];
        const [ra, rb] = [rects[a]!, rects[b]!];
        rects.push([
          Math.min(ra[0]!, rb[0]!),
          Math.min(ra[1]!, rb[1]!),
          Math.max(ra[2]!, rb[2]!),
          Math.max(ra[3]!, rb[3]!),
        ]);
      }
      expect(Array.from(grouped.rects)).toEqual(rects.flat());
      // Equal block sizes: the size and fill measures tie at the top again and again.
      if (measures.length === 1) expect(reference.ties).toBeGreaterThan(10);
    });
  }
});
