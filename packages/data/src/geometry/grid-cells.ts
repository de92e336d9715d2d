import type { Box } from './view-geometry.js';

/**
 * Splits a `width × height` area into a `rows × columns` grid of cells, row-major, with integer
 * edges (the last row/column takes the remainder) — the jigsaw split of DetCo's local views.
 */
export function gridCells(width: number, height: number, rows: number, columns: number): Box[] {
  const cells: Box[] = [];
  for (let r = 0; r < rows; r++) {
    const y0 = Math.floor((r * height) / rows);
    const y1 = Math.floor(((r + 1) * height) / rows);
    for (let c = 0; c < columns; c++) {
      cells.push([
        Math.floor((c * width) / columns),
        y0,
        Math.floor(((c + 1) * width) / columns),
        y1,
      ]);
    }
  }
  return cells;
}
