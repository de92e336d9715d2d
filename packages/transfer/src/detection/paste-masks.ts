/**
 * torchvision's `paste_masks_in_image` for one mask: the `M × M` probability map is padded by
 * `padding` zeros, its box grown by `(M + 2·padding) / M` about the centre, truncated to integers,
 * resized bilinearly (`align_corners=False`, no antialias) to the box's `w × h`
 * (`w = max(trunc(x2 − x1 + 1), 1)`) and pasted into an `imageHeight × imageWidth` canvas, cropped
 * to the image.
 *
 * @param mask `M × M` row-major probabilities.
 * @param box `[x1, y1, x2, y2]` in the image's pixels.
 * @returns `imageHeight × imageWidth` row-major values (threshold at 0.5 for a binary mask).
 */
export function pasteMask(
  mask: ArrayLike<number>,
  size: number,
  box: ArrayLike<number>,
  imageHeight: number,
  imageWidth: number,
  padding = 1,
): Float32Array {
  const padded = size + 2 * padding;
  const paddedMask = new Float32Array(padded * padded);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      paddedMask[(y + padding) * padded + x + padding] = mask[y * size + x]!;
  const f = Math.fround;
  const scale = f(padded / size);
  const halfW = f(f(f(box[2]! - box[0]!) * 0.5) * scale);
  const halfH = f(f(f(box[3]! - box[1]!) * 0.5) * scale);
  const centreX = f(f(box[2]! + box[0]!) * 0.5);
  const centreY = f(f(box[3]! + box[1]!) * 0.5);
  const x0 = Math.trunc(f(centreX - halfW));
  const y0 = Math.trunc(f(centreY - halfH));
  const x1 = Math.trunc(f(centreX + halfW));
  const y1 = Math.trunc(f(centreY + halfH));
  const width = Math.max(x1 - x0 + 1, 1);
  const height = Math.max(y1 - y0 + 1, 1);
  const resized = resizeBilinear(paddedMask, padded, padded, height, width);
  const out = new Float32Array(imageHeight * imageWidth);
  const left = Math.max(x0, 0);
  const right = Math.min(x1 + 1, imageWidth);
  const top = Math.max(y0, 0);
  const bottom = Math.min(y1 + 1, imageHeight);
  for (let y = top; y < bottom; y++)
    for (let x = left; x < right; x++)
      out[y * imageWidth + x] = resized[(y - y0) * width + (x - x0)]!;
  return out;
}

/** PyTorch's `upsample_bilinear2d` with `align_corners=False`, in float32. */
function resizeBilinear(
  input: Float32Array,
  inHeight: number,
  inWidth: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const f = Math.fround;
  const out = new Float32Array(outHeight * outWidth);
  const scaleY = f(inHeight / outHeight);
  const scaleX = f(inWidth / outWidth);
  const source = (dst: number, scale: number): number =>
    Math.max(f(f(scale * f(dst + 0.5)) - 0.5), 0);
  for (let y = 0; y < outHeight; y++) {
    const sy = source(y, scaleY);
    const y0 = Math.floor(sy);
    const y1 = y0 < inHeight - 1 ? y0 + 1 : y0;
    const ly = f(sy - y0);
    for (let x = 0; x < outWidth; x++) {
      const sx = source(x, scaleX);
      const x0 = Math.floor(sx);
      const x1 = x0 < inWidth - 1 ? x0 + 1 : x0;
      const lx = f(sx - x0);
      out[y * outWidth + x] = f(
        f(1 - ly) * f(f(1 - lx) * input[y0 * inWidth + x0]! + f(lx * input[y0 * inWidth + x1]!)) +
          f(ly * f(f(1 - lx) * input[y1 * inWidth + x0]! + f(lx * input[y1 * inWidth + x1]!))),
      );
    }
  }
  return out;
}
