import { SsdetError } from '@ssdet/core';

/** `[H, W]` of each feature level, in the order the levels are flattened. */
export type SpatialShapes = ReadonlyArray<readonly [number, number]>;

/** Where each level starts in the flattened sequence: 0, H₀W₀, H₀W₀ + H₁W₁, … */
export function levelStartIndex(shapes: SpatialShapes): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const [h, w] of shapes) {
    starts.push(offset);
    offset += h * w;
  }
  return starts;
}

/** Σ H_l·W_l. */
export function flattenedLength(shapes: SpatialShapes): number {
  return shapes.reduce((total, [h, w]) => total + h * w, 0);
}

export function assertFlattenedLength(shapes: SpatialShapes, length: number, where: string): void {
  const expected = flattenedLength(shapes);
  if (expected !== length) {
    throw new SsdetError(
      'DETR_SPATIAL_SHAPES',
      `${where}: the flattened input has ${length} positions but the spatial shapes ${JSON.stringify(shapes)} sum to ${expected}.`,
    );
  }
}
