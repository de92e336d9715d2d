import { SsdetError } from '@ssdet/core';

/**
 * A binary mask as COCO stores it: column-major run lengths over `height × width` pixels,
 * alternating background and foreground, starting with background (pycocotools' `RLE`).
 */
export interface Rle {
  readonly height: number;
  readonly width: number;
  readonly counts: Uint32Array;
}

/** COCO's compressed RLE string (LEB128-like, 6 bits per character, ASCII 48–111) → counts. */
export function decodeRleCounts(text: string): Uint32Array {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length)
        throw new SsdetError('COCO_BAD_RLE', `RLE string ends inside a number: "${text}".`);
      const c = text.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) x |= -1 << (5 * k);
    }
    // From the third run on, counts are stored as differences to the one two places back.
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x >>> 0);
  }
  return Uint32Array.from(counts);
}

/** Counts → COCO's compressed RLE string (what pycocotools' `mask.encode` returns). */
export function encodeRleCounts(counts: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      text += String.fromCharCode(c + 48);
    }
  }
  return text;
}

/** Column-major 0/1 pixels → RLE (pycocotools' `rleEncode`). */
export function rleFromBitmap(bits: Uint8Array, height: number, width: number): Rle {
  const counts: number[] = [];
  let previous = 0;
  let run = 0;
  for (let j = 0; j < height * width; j++) {
    const value = bits[j] === 0 ? 0 : 1;
    if (value !== previous) {
      counts.push(run);
      run = 0;
      previous = value;
    }
    run++;
  }
  counts.push(run);
  return { height, width, counts: Uint32Array.from(counts) };
}

/** RLE → column-major 0/1 pixels. */
export function rleToBitmap(rle: Rle): Uint8Array {
  const bits = new Uint8Array(rle.height * rle.width);
  let position = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const run = rle.counts[j]!;
    if (j % 2 === 1) bits.fill(1, position, position + run);
    position += run;
  }
  return bits;
}

/** Foreground pixels (pycocotools' `rleArea`). */
export function rleArea(rle: Rle): number {
  let area = 0;
  for (let j = 1; j < rle.counts.length; j += 2) area += rle.counts[j]!;
  return area;
}

/**
 * The union of masks of one size (pycocotools' `rleMerge` with `intersect = 0`, how a
 * multi-polygon annotation becomes one mask). Masks of different sizes give an empty mask of
 * size 0 × 0, as pycocotools does.
 */
export function rleUnion(rles: readonly Rle[]): Rle {
  if (rles.length === 0) return { height: 0, width: 0, counts: new Uint32Array(0) };
  const { height, width } = rles[0]!;
  if (rles.some((rle) => rle.height !== height || rle.width !== width))
    return { height: 0, width: 0, counts: new Uint32Array(0) };
  if (rles.length === 1) return rles[0]!;
  const bits = new Uint8Array(height * width);
  for (const rle of rles) {
    let position = 0;
    for (let j = 0; j < rle.counts.length; j++) {
      if (j % 2 === 1) bits.fill(1, position, position + rle.counts[j]!);
      position += rle.counts[j]!;
    }
  }
  return rleFromBitmap(bits, height, width);
}

/**
 * A polygon `[x0, y0, x1, y1, …]` in pixel coordinates → RLE, exactly as pycocotools'
 * `rleFrPoly` rasterises it: vertices upsampled ×5 and rounded, the boundary walked densely,
 * its crossings of pixel-column centres kept and downsampled, and the runs read off them.
 */
export function rleFromPolygon(polygon: readonly number[], height: number, width: number): Rle {
  const scale = 5;
  const k = Math.floor(polygon.length / 2);
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  // C's (int) cast truncates towards zero, also for negative coordinates.
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * polygon[2 * j]! + 0.5);
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * polygon[2 * j + 1]! + 0.5);
  x[k] = x[0]!;
  y[k] = y[0]!;
  const u: number[] = [];
  const v: number[] = [];
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u.push(t + xs);
        v.push(Math.trunc(ys + s * t + 0.5));
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v.push(t + ys);
        u.push(Math.trunc(xs + s * t + 0.5));
      }
    }
  }
  // Points where the boundary crosses a pixel-column centre, downsampled.
  const starts: number[] = [];
  for (let j = 1; j < u.length; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > width - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > height) yd = height;
    yd = Math.ceil(yd);
    starts.push(xd * height + yd);
  }
  starts.push(height * width);
  starts.sort((a, b) => a - b);
  let previous = 0;
  for (let j = 0; j < starts.length; j++) {
    const t = starts[j]!;
    starts[j] = t - previous;
    previous = t;
  }
  // Zero-length runs merge their neighbours.
  const counts: number[] = [starts[0]!];
  let j = 1;
  while (j < starts.length) {
    if (starts[j]! > 0) counts.push(starts[j++]!);
    else {
      j++;
      if (j < starts.length) counts[counts.length - 1]! += starts[j++]!;
    }
  }
  return { height, width, counts: Uint32Array.from(counts) };
}

/** An `[x, y, w, h]` box → RLE, as pycocotools' `rleFrBbox` (a four-corner polygon). */
export function rleFromBox(box: readonly number[], height: number, width: number): Rle {
  const [x, y, w, h] = box as [number, number, number, number];
  return rleFromPolygon([x, y, x, y + h, x + w, y + h, x + w, y], height, width);
}

/**
 * The bounding box `[x, y, w, h]` of a mask as pycocotools' `rleToBbox` computes it — including
 * its quirk that a foreground run crossing a column boundary makes the box span the full height.
 */
export function rleToBox(rle: Rle): [number, number, number, number] {
  const { height: h, width: w } = rle;
  const m = Math.floor(rle.counts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += rle.counts[j]!;
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}
