import type { Rng } from '@ssdet/core';

/** A colour pattern: RGB 0–255 at a pixel. */
export type Texture = (x: number, y: number, out: Float32Array) => void;

function randomColour(rng: Rng): [number, number, number] {
  return [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
}

/** Solid, stripes, checks or dots, in one or two random colours at a random scale and angle. */
export function randomTexture(rng: Rng, scale: number): Texture {
  const a = randomColour(rng);
  const b = randomColour(rng);
  const period = Math.max(3, scale * rng.uniform(0.1, 0.4));
  const angle = rng.uniform(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const pick = (useA: boolean, out: Float32Array): void => {
    const c = useA ? a : b;
    out[0] = c[0];
    out[1] = c[1];
    out[2] = c[2];
  };
  switch (rng.int(0, 4)) {
    case 0:
      return (_x, _y, out) => pick(true, out);
    case 1:
      return (x, y, out) => pick(Math.floor((x * cos + y * sin) / period) % 2 === 0, out);
    case 2:
      return (x, y, out) => pick((Math.floor(x / period) + Math.floor(y / period)) % 2 === 0, out);
    default:
      return (x, y, out) => {
        const fx = (x / period) % 1;
        const fy = (y / period) % 1;
        pick((fx - 0.5) ** 2 + (fy - 0.5) ** 2 < 0.1, out);
      };
  }
}

/**
 * A background: smooth value noise (bilinear over a coarse random grid) blended with a
 * random texture, so that backgrounds have structure but no object-like blobs.
 */
export function randomBackground(rng: Rng, width: number, height: number): Float32Array {
  const pixels = new Float32Array(width * height * 3);
  const cells = rng.int(2, 6);
  const grid = Array.from({ length: (cells + 1) * (cells + 1) * 3 }, () => rng.uniform(30, 225));
  const texture = randomTexture(rng, Math.min(width, height) / 2);
  const mix = rng.uniform(0, 0.35);
  const sample = new Float32Array(3);
  for (let y = 0; y < height; y++) {
    const gy = (y / height) * cells;
    const y0 = Math.floor(gy);
    const ty = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x / width) * cells;
      const x0 = Math.floor(gx);
      const tx = gx - x0;
      texture(x, y, sample);
      for (let c = 0; c < 3; c++) {
        const at = (i: number, j: number): number => grid[(j * (cells + 1) + i) * 3 + c]!;
        const smooth =
          (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) +
          ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1));
        pixels[(y * width + x) * 3 + c] = (1 - mix) * smooth + mix * sample[c]!;
      }
    }
  }
  return pixels;
}
