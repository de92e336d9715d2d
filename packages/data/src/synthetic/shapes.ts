/** The object classes of the synthetic scenes, with their COCO category ids (1-based). */
export const SHAPE_CLASSES = ['circle', 'rectangle', 'triangle', 'star', 'ring'] as const;

export type ShapeClass = (typeof SHAPE_CLASSES)[number];

/** A placed shape: centre, radius (half the extent), rotation, aspect. */
export interface ShapePlacement {
  readonly kind: ShapeClass;
  readonly cx: number;
  readonly cy: number;
  readonly radius: number;
  readonly angle: number;
  readonly aspect: number;
}

/**
 * Whether the point (x, y) is inside the shape. Each test works in the shape's own frame
 * (translated, rotated, and stretched by `aspect` along its x axis).
 */
export function insideShape(shape: ShapePlacement, x: number, y: number): boolean {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  const cos = Math.cos(shape.angle);
  const sin = Math.sin(shape.angle);
  const u = (dx * cos + dy * sin) / (shape.radius * shape.aspect);
  const v = (-dx * sin + dy * cos) / shape.radius;
  switch (shape.kind) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'rectangle':
      return Math.abs(u) <= 1 && Math.abs(v) <= 0.7;
    case 'triangle':
      // Equilateral, apex up: below the two slanted sides, above the base.
      return v <= 0.5 && v >= -1 + Math.abs(u) * 1.732 && Math.abs(u) <= 0.866 + 1e-9;
    case 'ring': {
      const r2 = u * u + v * v;
      return r2 <= 1 && r2 >= 0.3;
    }
    case 'star': {
      const r = Math.sqrt(u * u + v * v);
      const theta = Math.atan2(v, u);
      // Five points: the boundary radius oscillates between 0.45 and 1.
      const boundary = 0.45 + 0.55 * Math.pow(Math.abs(Math.cos((5 * theta) / 2)), 3);
      return r <= boundary;
    }
  }
}
