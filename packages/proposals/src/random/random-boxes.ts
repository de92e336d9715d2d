import type { Rng } from '@ssdet/core';

/**
 * UP-DETR's random query patches (`get_random_patch_from_img` in dddzg/up-detr
 * `datasets/selfdet.py`): for each patch, width sw ~ U{m, …, W − m} and height sh ~ U{m, …, H − m}
 * (m = `minPixel`, 8), top-left x ~ U{0, …, W − sw − 1} (0 when sw = W), likewise y. UP-DETR
 * draws 10 per image and skips images with a side ≤ 16 px — here they get no boxes.
 * NumPy's global generator is replaced by the seeded `rng`. Returns xyxy boxes.
 */
export function randomBoxes(
  width: number,
  height: number,
  count: number,
  rng: Rng,
  minPixel = 8,
): Float32Array {
  if (width <= 2 * minPixel || height <= 2 * minPixel) return new Float32Array(0);
  const boxes = new Float32Array(count * 4);
  for (let i = 0; i < count; i++) {
    const sw = rng.int(minPixel, width - minPixel + 1);
    const sh = rng.int(minPixel, height - minPixel + 1);
    const x = sw !== width ? rng.int(0, width - sw) : 0;
    const y = sh !== height ? rng.int(0, height - sh) : 0;
    boxes.set([x, y, x + sw, y + sh], i * 4);
  }
  return boxes;
}
