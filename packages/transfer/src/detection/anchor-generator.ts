import { roundHalfEven } from '@ssdet/data';
import type { Boxes } from './box-ops.js';

/** One feature map's grid: its size and its stride in input pixels. */
export interface FeatureGrid {
  readonly height: number;
  readonly width: number;
  readonly strideY: number;
  readonly strideX: number;
}

/**
 * Anchors as torchvision's `AnchorGenerator`: per level, cell anchors centred at 0 for every
 * aspect ratio r and size s (`h = s·√r`, `w = s/√r`, ratio-major), rounded half to even, then
 * shifted to every grid position (row-major, the cell anchors innermost). `fasterrcnn_resnet50_fpn`
 * uses sizes 32…512 (one per level) and ratios 0.5, 1, 2.
 */
export class AnchorGenerator {
  /** `[level]` flat xyxy cell anchors. */
  readonly cellAnchors: readonly Float32Array[];

  constructor(
    readonly sizes: readonly (readonly number[])[] = [[32], [64], [128], [256], [512]],
    readonly aspectRatios: readonly (readonly number[])[] = Array(5).fill([0.5, 1, 2]),
  ) {
    this.cellAnchors = sizes.map((levelSizes, level) => {
      const ratios = aspectRatios[level]!;
      const anchors: number[] = [];
      for (const ratio of ratios) {
        // float32, as torchvision builds them from float tensors.
        const hRatio = Math.fround(Math.sqrt(Math.fround(ratio)));
        const wRatio = Math.fround(1 / hRatio);
        for (const size of levelSizes) {
          const w = Math.fround(wRatio * size);
          const h = Math.fround(hRatio * size);
          anchors.push(
            roundHalfEven(Math.fround(-w / 2)),
            roundHalfEven(Math.fround(-h / 2)),
            roundHalfEven(Math.fround(w / 2)),
            roundHalfEven(Math.fround(h / 2)),
          );
        }
      }
      return Float32Array.from(anchors);
    });
  }

  /** Anchors per cell at each level. */
  anchorsPerLocation(level: number): number {
    return this.cellAnchors[level]!.length / 4;
  }

  /**
   * All anchors of one image over the given grids (one per level, finest first), level after
   * level: what torchvision concatenates for each image of a batch.
   */
  anchors(grids: readonly FeatureGrid[]): Boxes {
    const perLevel = grids.map((grid, level) => {
      const cell = this.cellAnchors[level]!;
      const a = cell.length / 4;
      const out = new Float32Array(grid.height * grid.width * a * 4);
      let k = 0;
      for (let y = 0; y < grid.height; y++) {
        for (let x = 0; x < grid.width; x++) {
          const sx = x * grid.strideX;
          const sy = y * grid.strideY;
          for (let c = 0; c < a; c++) {
            out[k++] = sx + cell[4 * c]!;
            out[k++] = sy + cell[4 * c + 1]!;
            out[k++] = sx + cell[4 * c + 2]!;
            out[k++] = sy + cell[4 * c + 3]!;
          }
        }
      }
      return out;
    });
    const total = new Float32Array(perLevel.reduce((n, level) => n + level.length, 0));
    let offset = 0;
    for (const level of perLevel) {
      total.set(level, offset);
      offset += level.length;
    }
    return total;
  }
}

/** torchvision's strides: the padded batch size divided (integer) by each feature map's size. */
export function featureGrids(
  batchHeight: number,
  batchWidth: number,
  shapes: readonly (readonly [number, number])[],
): FeatureGrid[] {
  return shapes.map(([height, width]) => ({
    height,
    width,
    strideY: Math.floor(batchHeight / height),
    strideX: Math.floor(batchWidth / width),
  }));
}
