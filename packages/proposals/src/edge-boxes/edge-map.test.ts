import { describe, expect, it } from 'vitest';
import { photo, readFloat32, readJson } from '../test-support/fixtures.js';
import { boxRecall } from '../selective-search/box-recall.js';
import { edgeBoxes, EDGE_BOXES_DEFAULTS } from './edge-boxes.js';
import { edgeMaps } from './edge-map.js';

describe('built-in edge detector vs its numpy/cv2 twin (tools/reference/proposals)', () => {
  it('edge and orientation maps agree on almost every pixel', () => {
    const maps = edgeMaps(photo('chelsea'));
    const edges = readFloat32('edges-chelsea.f32');
    const orient = readFloat32('orient-chelsea.f32');
    let edgeClose = 0;
    let orientClose = 0;
    for (let i = 0; i < edges.length; i++) {
      if (Math.abs(maps.edges[i]! - edges[i]!) < 1e-3) edgeClose++;
      const d = Math.abs(maps.orientation[i]! - orient[i]!);
      if (Math.min(d, Math.PI - d) < 1e-2) orientClose++;
    }
    expect(edgeClose / edges.length).toBeGreaterThan(0.99);
    expect(orientClose / edges.length).toBeGreaterThan(0.98);
  });

  it('whole pipeline recovers most of OpenCV EdgeBoxes boxes computed from the twin maps', () => {
    const image = photo('coffee');
    const maps = edgeMaps(image);
    const ours = edgeBoxes(maps.edges, maps.orientation, image.width, image.height, {
      ...EDGE_BOXES_DEFAULTS,
      maxBoxes: 200,
    });
    const ref = readJson<{ boxes: number[][] }>('eb-coffee.json');
    const theirs = Float32Array.from(
      ref.boxes.flatMap(([x, y, w, h]) => [x! - 1, y! - 1, x! - 1 + w!, y! - 1 + h!]),
    );
    expect(boxRecall(theirs.subarray(0, 40), ours.boxes, 0.7)).toBeGreaterThan(0.8);
  });
});
