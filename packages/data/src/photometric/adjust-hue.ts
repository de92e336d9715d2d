import { imageKernels } from '../native/image-kernels.js';
import type { RgbImage } from './rgb-image.js';

/**
 * torchvision `adjust_hue` (tensor path): convert to HSV, h ← (h + f) mod 1, convert back, in
 * place. `factor` ∈ [−0.5, 0.5]. The HSV conversions follow torchvision's `_rgb2hsv`/`_hsv2rgb`,
 * including which channel wins ties for the maximum and the clamping of p, q, t.
 */
export function adjustHue(image: RgbImage, factor: number): void {
  const { data } = image;
  const native = imageKernels();
  if (native !== undefined) {
    native.adjustHue(data, factor);
    return;
  }
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const chroma = maxc - minc;
    const equal = maxc === minc;
    const s = chroma / (equal ? 1 : maxc);
    const divisor = equal ? 1 : chroma;
    const rc = (maxc - r) / divisor;
    const gc = (maxc - g) / divisor;
    const bc = (maxc - b) / divisor;
    let h: number;
    if (maxc === r) h = bc - gc;
    else if (maxc === g) h = 2 + rc - bc;
    else h = 4 + gc - rc;
    h = (h / 6 + 1) % 1; // torch.fmod of a positive number
    h = (h + factor) % 1;
    if (h < 0) h += 1; // Python-style modulo
    const v = maxc;
    const scaled = h * 6;
    const sector = Math.floor(scaled);
    const f = scaled - sector;
    const p = clampUnit(v * (1 - s));
    const q = clampUnit(v * (1 - s * f));
    const t = clampUnit(v * (1 - s * (1 - f)));
    switch (((sector % 6) + 6) % 6) {
      case 0:
        data[i] = v;
        data[i + 1] = t;
        data[i + 2] = p;
        break;
      case 1:
        data[i] = q;
        data[i + 1] = v;
        data[i + 2] = p;
        break;
      case 2:
        data[i] = p;
        data[i + 1] = v;
        data[i + 2] = t;
        break;
      case 3:
        data[i] = p;
        data[i + 1] = q;
        data[i + 2] = v;
        break;
      case 4:
        data[i] = t;
        data[i + 1] = p;
        data[i + 2] = v;
        break;
      default:
        data[i] = v;
        data[i + 1] = p;
        data[i + 2] = q;
    }
  }
}

function clampUnit(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}
