import type { BoxArray, LabelMask, ViewGeometry } from '@ssdet/core';
import { sourceToView, viewToSource } from './view-geometry.js';

export interface MappedBoxes {
  /** Boxes in view pixels, clipped to the view. */
  readonly boxes: BoxArray;
  /** For each kept box, its index in the input. */
  readonly kept: Int32Array;
  /** How many boxes fell outside the view (or became empty when clipped) and were dropped. */
  readonly dropped: number;
}

/**
 * Maps xyxy source boxes into a view: transform the corners, clip to the view, and drop boxes
 * whose clipped width or height is below `minSize` pixels (default: anything not strictly positive).
 */
export function mapBoxesToView(boxes: BoxArray, geometry: ViewGeometry, minSize = 0): MappedBoxes {
  const count = boxes.length / 4;
  const out = new Float32Array(boxes.length);
  const kept = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const [ua, va] = sourceToView(geometry, boxes[4 * i]!, boxes[4 * i + 1]!);
    const [ub, vb] = sourceToView(geometry, boxes[4 * i + 2]!, boxes[4 * i + 3]!);
    const x0 = clamp(Math.min(ua, ub), 0, geometry.width);
    const x1 = clamp(Math.max(ua, ub), 0, geometry.width);
    const y0 = clamp(Math.min(va, vb), 0, geometry.height);
    const y1 = clamp(Math.max(va, vb), 0, geometry.height);
    if (x1 - x0 <= minSize || y1 - y0 <= minSize) continue;
    out.set([x0, y0, x1, y1], 4 * n);
    kept[n] = i;
    n += 1;
  }
  return { boxes: out.slice(0, 4 * n), kept: kept.slice(0, n), dropped: count - n };
}

/** Maps `[x, y]` source points into a view, dropping those that land outside it. */
export function mapPointsToView(
  points: Float32Array,
  geometry: ViewGeometry,
): { readonly points: Float32Array; readonly kept: Int32Array; readonly dropped: number } {
  const count = points.length / 2;
  const out = new Float32Array(points.length);
  const kept = new Int32Array(count);
  let n = 0;
  for (let i = 0; i < count; i++) {
    const [u, v] = sourceToView(geometry, points[2 * i]!, points[2 * i + 1]!);
    if (u < 0 || v < 0 || u >= geometry.width || v >= geometry.height) continue;
    out[2 * n] = u;
    out[2 * n + 1] = v;
    kept[n] = i;
    n += 1;
  }
  return { points: out.slice(0, 2 * n), kept: kept.slice(0, n), dropped: count - n };
}

/**
 * Resamples a label mask into a view by nearest neighbour (labels must never be interpolated):
 * each view pixel takes the label of the source pixel under its centre; `fill` outside the source.
 */
export function mapMaskToView(mask: LabelMask, geometry: ViewGeometry, fill = 0): LabelMask {
  const { width, height } = geometry;
  const labels = new Int32Array(width * height);
  const columns = new Int32Array(width);
  for (let u = 0; u < width; u++) columns[u] = Math.floor(viewToSource(geometry, u + 0.5, 0)[0]);
  for (let v = 0; v < height; v++) {
    const sy = Math.floor(viewToSource(geometry, 0, v + 0.5)[1]);
    const rowInside = sy >= 0 && sy < mask.height;
    for (let u = 0; u < width; u++) {
      const sx = columns[u]!;
      labels[v * width + u] =
        rowInside && sx >= 0 && sx < mask.width ? mask.labels[sy * mask.width + sx]! : fill;
    }
  }
  return { width, height, labels };
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
