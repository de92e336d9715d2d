/**
 * Multi-scale deformable attention sampling on plain Float32Arrays: the forward sum and its
 * exact gradient, written as loops so that nothing of size (samples × corners × head dim) is
 * ever materialised. The layouts are the op's (see {@link msDeformAttnCore}):
 * value `[B, S, M, D]`, locations `[B, Q, M, L, P, 2]`, attention `[B, Q, M, L, P]`,
 * output `[B, Q, M, D]`.
 *
 * Bilinear sampling is `grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False)`:
 * x = p̂ₓ·W − ½, y = p̂ᵧ·H − ½, corners (⌊x⌋ + i, ⌊y⌋ + j) weighted by the tent function, and a
 * corner outside the map contributes zero (to the value and to the location's gradient).
 */
export interface DeformableSamplingProblem {
  readonly batch: number;
  readonly length: number;
  readonly heads: number;
  readonly headDim: number;
  readonly queries: number;
  readonly points: number;
  /** `[H₀, W₀, H₁, W₁, …]`. */
  readonly spatialShapes: readonly number[];
}

export interface DeformableSamplingGradients {
  readonly value: Float32Array;
  readonly locations: Float32Array;
  readonly attention: Float32Array;
}

/** One sampling point's in-map corners: flat value offsets and tent weights (≤ 4 used). */
interface Corners {
  count: number;
  readonly offsets: Int32Array;
  readonly weights: Float64Array;
  /** ∂weight/∂x and ∂weight/∂y, in pixels. */
  readonly dx: Float64Array;
  readonly dy: Float64Array;
}

function newCorners(): Corners {
  return {
    count: 0,
    offsets: new Int32Array(4),
    weights: new Float64Array(4),
    dx: new Float64Array(4),
    dy: new Float64Array(4),
  };
}

/**
 * Fills `corners` for pixel position (x, y) on a `height × width` level: `rowBase` is the value
 * offset of the level's first pixel for this image and head, `rowStride` = M·D between pixels.
 */
function locateCorners(
  corners: Corners,
  x: number,
  y: number,
  height: number,
  width: number,
  rowBase: number,
  rowStride: number,
): void {
  corners.count = 0;
  if (!(x > -1 && y > -1 && x < width && y < height)) return;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  for (let j = 0; j < 2; j++) {
    const yc = y0 + j;
    if (yc < 0 || yc >= height) continue;
    const wy = j === 0 ? 1 - fy : fy;
    const dwy = j === 0 ? -1 : 1;
    for (let i = 0; i < 2; i++) {
      const xc = x0 + i;
      if (xc < 0 || xc >= width) continue;
      const wx = i === 0 ? 1 - fx : fx;
      const dwx = i === 0 ? -1 : 1;
      const k = corners.count++;
      corners.offsets[k] = rowBase + (yc * width + xc) * rowStride;
      corners.weights[k] = wx * wy;
      corners.dx[k] = dwx * wy;
      corners.dy[k] = wx * dwy;
    }
  }
}

function levelStarts(shapes: readonly number[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (let l = 0; l < shapes.length; l += 2) {
    starts.push(offset);
    offset += shapes[l]! * shapes[l + 1]!;
  }
  return starts;
}

/** out[b, q, m, :] = Σ_l Σ_p A[b, q, m, l, p] · bilinear(V[b, level l, m, :], loc[b, q, m, l, p]). */
export function deformableSamplingForward(
  problem: DeformableSamplingProblem,
  value: Float32Array,
  locations: Float32Array,
  attention: Float32Array,
): Float32Array {
  const { batch, length, heads, headDim, queries, points, spatialShapes } = problem;
  const levels = spatialShapes.length / 2;
  const starts = levelStarts(spatialShapes);
  const out = new Float32Array(batch * queries * heads * headDim);
  const corners = newCorners();
  const acc = new Float64Array(headDim);
  const rowStride = heads * headDim;
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < queries; q++) {
      for (let m = 0; m < heads; m++) {
        acc.fill(0);
        const bqm = (b * queries + q) * heads + m;
        for (let l = 0; l < levels; l++) {
          const height = spatialShapes[2 * l]!;
          const width = spatialShapes[2 * l + 1]!;
          const rowBase = ((b * length + starts[l]!) * heads + m) * headDim;
          for (let p = 0; p < points; p++) {
            const sample = (bqm * levels + l) * points + p;
            const a = attention[sample]!;
            const x = locations[2 * sample]! * width - 0.5;
            const y = locations[2 * sample + 1]! * height - 0.5;
            locateCorners(corners, x, y, height, width, rowBase, rowStride);
            for (let k = 0; k < corners.count; k++) {
              const w = a * corners.weights[k]!;
              const at = corners.offsets[k]!;
              for (let d = 0; d < headDim; d++) acc[d]! += w * value[at + d]!;
            }
          }
        }
        out.set(acc, bqm * headDim);
      }
    }
  }
  return out;
}

/**
 * Given ∂L/∂out (`grad`, the output's layout):
 * ∂L/∂V[corner] += A·w_corner·g; ∂L/∂A = Σ_corners w_corner·⟨V[corner], g⟩;
 * ∂L/∂p̂ₓ = W·A·Σ_corners ∂w_corner/∂x·⟨V[corner], g⟩ (and H, ∂/∂y for p̂ᵧ).
 */
export function deformableSamplingBackward(
  problem: DeformableSamplingProblem,
  value: Float32Array,
  locations: Float32Array,
  attention: Float32Array,
  grad: Float32Array,
): DeformableSamplingGradients {
  const { batch, length, heads, headDim, queries, points, spatialShapes } = problem;
  const levels = spatialShapes.length / 2;
  const starts = levelStarts(spatialShapes);
  const gradValue = new Float32Array(value.length);
  const gradLocations = new Float32Array(locations.length);
  const gradAttention = new Float32Array(attention.length);
  const corners = newCorners();
  const rowStride = heads * headDim;
  for (let b = 0; b < batch; b++) {
    for (let q = 0; q < queries; q++) {
      for (let m = 0; m < heads; m++) {
        const bqm = (b * queries + q) * heads + m;
        const g = bqm * headDim;
        for (let l = 0; l < levels; l++) {
          const height = spatialShapes[2 * l]!;
          const width = spatialShapes[2 * l + 1]!;
          const rowBase = ((b * length + starts[l]!) * heads + m) * headDim;
          for (let p = 0; p < points; p++) {
            const sample = (bqm * levels + l) * points + p;
            const a = attention[sample]!;
            const x = locations[2 * sample]! * width - 0.5;
            const y = locations[2 * sample + 1]! * height - 0.5;
            locateCorners(corners, x, y, height, width, rowBase, rowStride);
            let dA = 0;
            let dX = 0;
            let dY = 0;
            for (let k = 0; k < corners.count; k++) {
              const at = corners.offsets[k]!;
              const w = a * corners.weights[k]!;
              let dot = 0;
              for (let d = 0; d < headDim; d++) {
                const gd = grad[g + d]!;
                dot += value[at + d]! * gd;
                gradValue[at + d]! += w * gd;
              }
              dA += corners.weights[k]! * dot;
              dX += corners.dx[k]! * dot;
              dY += corners.dy[k]! * dot;
            }
            gradAttention[sample] = dA;
            gradLocations[2 * sample] = width * a * dX;
            gradLocations[2 * sample + 1] = height * a * dY;
          }
        }
      }
    }
  }
  return { value: gradValue, locations: gradLocations, attention: gradAttention };
}
