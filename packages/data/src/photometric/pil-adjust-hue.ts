import { imageKernels } from '../native/image-kernels.js';

/**
 * torchvision `adjust_hue` on a PIL image (torchvision 0.14 `functional_pil`, Pillow 9.4), bit
 * for bit, in place on interleaved 8-bit RGB: Pillow's `convert('HSV')` (hue, saturation and
 * value each in 8 bits), the hue byte shifted by `uint8(factor·255)` with wrap-around, then
 * Pillow's HSV → RGB. `factor` ∈ [−0.5, 0.5]. The float op is {@link adjustHue}.
 */
export function pilAdjustHue(pixels: Uint8Array, factor: number): void {
  const native = imageKernels();
  if (native !== undefined) {
    native.pilAdjustHue(pixels, factor);
    return;
  }
  // NumPy's `np.uint8(x)` of a float truncates toward zero, then wraps (−12.75 → 244).
  // A shift of 0 still round-trips through 8-bit HSV, which changes some pixels, as in Pillow.
  const shift = ((Math.trunc(factor * 255) % 256) + 256) % 256;
  for (let i = 0; i < pixels.length; i += 3) {
    const r = pixels[i]!;
    const g = pixels[i + 1]!;
    const b = pixels[i + 2]!;
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    let hue = 0;
    let saturation = 0;
    if (maxc !== minc) {
      [hue, saturation] = pilHueSaturation(r, g, b, maxc, minc);
    }
    writeRgb(pixels, i, (hue + shift) & 255, saturation, maxc);
  }
}

const f32 = Math.fround;

/** Pillow's `rgb2hsv_row` hue and saturation bytes of a pixel that is not grey (C float/double). */
function pilHueSaturation(
  r: number,
  g: number,
  b: number,
  maxc: number,
  minc: number,
): [number, number] {
  const chroma = maxc - minc;
  const s = f32(chroma / maxc);
  const rc = f32((maxc - r) / chroma);
  const gc = f32((maxc - g) / chroma);
  const bc = f32((maxc - b) / chroma);
  let h: number;
  if (r === maxc) h = f32(bc - gc);
  else if (g === maxc) h = f32(2 + rc - bc);
  else h = f32(4 + gc - rc);
  h = f32((h / 6 + 1) % 1);
  return [clip8(Math.trunc(h * 255)), clip8(Math.trunc(s * 255))];
}

/** Pillow's `hsv2rgb` for one pixel, written at `pixels[i … i + 2]`. */
function writeRgb(pixels: Uint8Array, i: number, h: number, s: number, v: number): void {
  if (s === 0) {
    pixels[i] = v;
    pixels[i + 1] = v;
    pixels[i + 2] = v;
    return;
  }
  const scaled = (h * 6) / 255;
  const sector = Math.floor(scaled);
  const fraction = f32(scaled - sector);
  const fs = f32(s / 255);
  // C `round`: halves away from zero; every operand here is ≥ 0, where Math.round agrees.
  // `fs * f` is a float product in C; the other products are double.
  const p = clip8(Math.round(v * (1 - fs)));
  const q = clip8(Math.round(v * (1 - f32(fs * fraction))));
  const t = clip8(Math.round(v * (1 - fs * (1 - fraction))));
  let rgb: [number, number, number];
  switch (sector % 6) {
    case 0:
      rgb = [v, t, p];
      break;
    case 1:
      rgb = [q, v, p];
      break;
    case 2:
      rgb = [p, v, t];
      break;
    case 3:
      rgb = [p, q, v];
      break;
    case 4:
      rgb = [t, p, v];
      break;
    default:
      rgb = [v, p, q];
  }
  pixels[i] = rgb[0];
  pixels[i + 1] = rgb[1];
  pixels[i + 2] = rgb[2];
}

function clip8(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
