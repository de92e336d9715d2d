import type { ViewGeometry } from '@ssdet/core';

/** `[x0, y0, x1, y1]` in pixels, edges at integer coordinates (pixel i spans [i, i+1)). */
export type Box = readonly [number, number, number, number];

/** The geometry of an untouched image. */
export function identityGeometry(width: number, height: number): ViewGeometry {
  return { sourceBox: [0, 0, width, height], flipped: false, width, height };
}

/**
 * The geometry after cropping `box` (in the current view's pixels) and resizing it to
 * `width × height`. Cropping a mirrored view is the mirrored view of the corresponding crop of
 * the source, so the flip flag carries over.
 */
export function cropGeometry(
  geometry: ViewGeometry,
  box: Box,
  width: number,
  height: number,
): ViewGeometry {
  const [a, b] = viewToSource(geometry, box[0], box[1]);
  const [c, d] = viewToSource(geometry, box[2], box[3]);
  return {
    sourceBox: [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)],
    flipped: geometry.flipped,
    width,
    height,
  };
}

/** The geometry after resizing the whole view to `width × height`. */
export function resizeGeometry(
  geometry: ViewGeometry,
  width: number,
  height: number,
): ViewGeometry {
  return { ...geometry, width, height };
}

/** The geometry after mirroring the view left–right. */
export function flipGeometry(geometry: ViewGeometry): ViewGeometry {
  return { ...geometry, flipped: !geometry.flipped };
}

/** Maps a point of the source image (continuous pixel coordinates) into the view. */
export function sourceToView(geometry: ViewGeometry, x: number, y: number): [number, number] {
  const [x0, y0, x1, y1] = geometry.sourceBox;
  const u = ((x - x0) * geometry.width) / (x1 - x0);
  const v = ((y - y0) * geometry.height) / (y1 - y0);
  return [geometry.flipped ? geometry.width - u : u, v];
}

/** Maps a point of the view back into the source image. */
export function viewToSource(geometry: ViewGeometry, u: number, v: number): [number, number] {
  const [x0, y0, x1, y1] = geometry.sourceBox;
  const unflipped = geometry.flipped ? geometry.width - u : u;
  return [x0 + (unflipped * (x1 - x0)) / geometry.width, y0 + (v * (y1 - y0)) / geometry.height];
}

/**
 * The part of the source both views show, in each view's pixels — what SoCo, PLRC and Siamese
 * DETR need to find regions visible in two views. Undefined when the views do not overlap.
 */
export function overlapOfViews(
  first: ViewGeometry,
  second: ViewGeometry,
): { readonly source: Box; readonly inFirst: Box; readonly inSecond: Box } | undefined {
  const x0 = Math.max(first.sourceBox[0], second.sourceBox[0]);
  const y0 = Math.max(first.sourceBox[1], second.sourceBox[1]);
  const x1 = Math.min(first.sourceBox[2], second.sourceBox[2]);
  const y1 = Math.min(first.sourceBox[3], second.sourceBox[3]);
  if (x1 <= x0 || y1 <= y0) return undefined;
  const source: Box = [x0, y0, x1, y1];
  return { source, inFirst: mapBox(first, source), inSecond: mapBox(second, source) };
}

/** A source box in view pixels (not clipped). */
export function mapBox(geometry: ViewGeometry, box: Box): Box {
  const [a, b] = sourceToView(geometry, box[0], box[1]);
  const [c, d] = sourceToView(geometry, box[2], box[3]);
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}
