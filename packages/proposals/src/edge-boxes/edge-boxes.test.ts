import { describe, expect, it } from 'vitest';
import { manifest, PHOTOS, readFloat32, readJson } from '../test-support/fixtures.js';
import { boxRecall } from '../selective-search/box-recall.js';
import { edgeBoxes, EDGE_BOXES_DEFAULTS } from './edge-boxes.js';

describe('EdgeBoxes box search vs cv2.ximgproc.EdgeBoxes on the same edge/orientation maps', () => {
  for (const name of PHOTOS) {
    it(name, () => {
      const { width, height } = manifest().images[name]!;
      const edges = readFloat32(`edges-${name}.f32`);
      const orient = readFloat32(`orient-${name}.f32`);
      const ref = readJson<{ boxes: number[][]; scores: number[] }>(`eb-${name}.json`);
      const ours = edgeBoxes(edges, orient, width, height, {
        ...EDGE_BOXES_DEFAULTS,
        maxBoxes: 200,
      });
      // OpenCV's rects are (x + 1, y + 1, w, h)
      const theirs = Float32Array.from(
        ref.boxes.flatMap(([x, y, w, h]) => [x! - 1, y! - 1, x! - 1 + w!, y! - 1 + h!]),
      );
      expect(ours.boxes.length / 4).toBe(ref.boxes.length);
      expect(Array.from(ours.boxes)).toEqual(Array.from(theirs));
      for (let i = 0; i < ref.scores.length; i++)
        expect(ours.scores[i]).toBeCloseTo(ref.scores[i]!, 5);
      expect(boxRecall(theirs, ours.boxes, 0.99)).toBe(1);
    });
  }
});
