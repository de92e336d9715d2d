import { SsdetError } from '@ssdet/core';

/** An optimal assignment: `rows[k]` is assigned `cols[k]`, rows ascending (scipy's order). */
export interface Assignment {
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  /** Σ cost[rows[k], cols[k]], summed in float64. */
  readonly totalCost: number;
}

/**
 * Exact minimum-cost assignment of a rectangular `numRows × numCols` cost matrix (row-major):
 * min(numRows, numCols) pairs, each row and column used at most once, minimal total cost — what
 * `scipy.optimize.linear_sum_assignment` computes.
 *
 * Shortest augmenting paths with dual potentials (Jonker & Volgenant, 1987; the O(n²m)
 * Hungarian algorithm of Kuhn–Munkres in its Dijkstra form): rows are added one at a time, each
 * along the cheapest reduced-cost path to a free column. Wide matrices are solved as they are;
 * tall ones are transposed. Arithmetic is float64. Ties go to the lowest column index, so equal
 * inputs give equal assignments; among optimal assignments the one chosen may differ from
 * scipy's, the total cost does not.
 */
export function linearSumAssignment(
  cost: ArrayLike<number>,
  numRows: number,
  numCols: number,
): Assignment {
  if (cost.length !== numRows * numCols) {
    throw new SsdetError(
      'DETR_ASSIGNMENT_SHAPE',
      `linearSumAssignment: expected ${numRows}×${numCols} = ${numRows * numCols} costs, got ${cost.length}.`,
    );
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i]!)) {
      throw new SsdetError(
        'DETR_ASSIGNMENT_COST',
        `linearSumAssignment: cost[${Math.floor(i / numCols)}][${i % numCols}] is ${cost[i]}; every cost must be finite.`,
        {
          hint: 'NaN costs usually come from degenerate predicted boxes (x1 < x0) in the GIoU term.',
        },
      );
    }
  }
  if (numRows === 0 || numCols === 0) {
    return { rows: new Int32Array(0), cols: new Int32Array(0), totalCost: 0 };
  }
  const transposed = numRows > numCols;
  const n = transposed ? numCols : numRows;
  const m = transposed ? numRows : numCols;
  const at = transposed
    ? (i: number, j: number): number => cost[j * numCols + i]!
    : (i: number, j: number): number => cost[i * numCols + j]!;
  const colOwner = solveWide(at, n, m);

  const pairs: Array<[number, number]> = [];
  for (let j = 0; j < m; j++) {
    const i = colOwner[j]!;
    if (i >= 0) pairs.push(transposed ? [j, i] : [i, j]);
  }
  pairs.sort((a, b) => a[0] - b[0]);
  const rows = Int32Array.from(pairs, ([r]) => r);
  const cols = Int32Array.from(pairs, ([, c]) => c);
  let totalCost = 0;
  for (let k = 0; k < rows.length; k++) totalCost += cost[rows[k]! * numCols + cols[k]!]!;
  return { rows, cols, totalCost };
}

/** n ≤ m. Returns, per column, its row or −1. */
function solveWide(at: (i: number, j: number) => number, n: number, m: number): Int32Array {
  // 1-based internally: column 0 is the virtual source of each augmenting search.
  const rowPotential = new Float64Array(n + 1);
  const colPotential = new Float64Array(m + 1);
  const owner = new Int32Array(m + 1); // row (1-based) owning column j, 0 = free
  const previous = new Int32Array(m + 1);
  const minSlack = new Float64Array(m + 1);
  const visited = new Uint8Array(m + 1);
  for (let row = 1; row <= n; row++) {
    owner[0] = row;
    let col = 0;
    minSlack.fill(Infinity);
    visited.fill(0);
    do {
      visited[col] = 1;
      const current = owner[col]!;
      let delta = Infinity;
      let next = -1;
      for (let j = 1; j <= m; j++) {
        if (visited[j] === 1) continue;
        const reduced = at(current - 1, j - 1) - rowPotential[current]! - colPotential[j]!;
        if (reduced < minSlack[j]!) {
          minSlack[j] = reduced;
          previous[j] = col;
        }
        if (minSlack[j]! < delta) {
          delta = minSlack[j]!;
          next = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (visited[j] === 1) {
          const owning = owner[j]!;
          rowPotential[owning] = rowPotential[owning]! + delta;
          colPotential[j] = colPotential[j]! - delta;
        } else {
          minSlack[j] = minSlack[j]! - delta;
        }
      }
      col = next;
    } while (owner[col] !== 0);
    do {
      const from = previous[col]!;
      owner[col] = owner[from]!;
      col = from;
    } while (col !== 0);
  }
  const colOwner = new Int32Array(m).fill(-1);
  for (let j = 1; j <= m; j++) if (owner[j]! > 0) colOwner[j - 1] = owner[j]! - 1;
  return colOwner;
}
