import type { DecodedImage, Rng, ViewGeometry } from '@ssdet/core';
import {
  applyPilColorJitter,
  drawColorJitter,
  normalize,
  pilGaussianBlur,
  pilGrayscaleImage,
  renderView,
  roundHalfEven,
  type Box,
  type ColorJitterStrength,
  type RgbImage,
} from '@ssdet/data';

/** UP-DETR's query-patch augmentation, which DETReg applies to its prior crops. */
export interface CropAugmentation {
  /** Square side after resizing (128). */
  readonly size: number;
  readonly colorJitter: ColorJitterStrength & { readonly p: number };
  readonly grayscale: number;
  readonly blur: { readonly sigma: readonly [number, number]; readonly p: number };
}

/**
 * One prior's crop as DETReg's `SelfDet.__getitem__` makes it: `img.crop(box)` on the
 * un-augmented image (PIL rounds the box to whole pixels), then `get_query_transforms('train')`
 * — `Resize((size, size))` (antialiased bilinear), colour jitter (p 0.8), grayscale (p 0.2),
 * SimCLR's Gaussian blur σ ~ U[0.1, 2] (p 0.5), all on 8-bit pixels as PIL does, then ImageNet
 * normalisation. `size × size × 3` floats, HWC.
 *
 * The same steps as UP-DETR's query patches (plugin-updetr `patchView`); kept here because a
 * plugin does not import another — a shared `simclrCrop` in `@ssdet/data` would serve both.
 */
export function priorCrop(
  image: DecodedImage,
  box: Box,
  augmentation: CropAugmentation,
  rng: Rng,
): Float32Array {
  const { size, colorJitter, blur } = augmentation;
  const geometry: ViewGeometry = {
    sourceBox: pilCropBox(box, image.width, image.height),
    flipped: false,
    width: size,
    height: size,
  };
  let crop: RgbImage = { width: size, height: size, data: renderView(image, geometry) };
  if (rng.bernoulli(colorJitter.p)) applyPilColorJitter(crop, drawColorJitter(rng, colorJitter));
  if (rng.bernoulli(augmentation.grayscale)) pilGrayscaleImage(crop);
  if (rng.bernoulli(blur.p))
    crop = pilGaussianBlur(crop, rng.uniform(blur.sigma[0], blur.sigma[1]));
  normalize(crop);
  return crop.data;
}

/**
 * PIL's `Image.crop` rounds each edge to the nearest integer (half to even, Python's `round`);
 * here also kept inside the image and at least one pixel wide and high (PIL would pad with black
 * beyond the image; Selective Search boxes never leave it).
 */
function pilCropBox(box: Box, width: number, height: number): Box {
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  const x0 = clamp(roundHalfEven(box[0]), width - 1);
  const y0 = clamp(roundHalfEven(box[1]), height - 1);
  const x1 = Math.max(clamp(roundHalfEven(box[2]), width), x0 + 1);
  const y1 = Math.max(clamp(roundHalfEven(box[3]), height), y0 + 1);
  return [x0, y0, x1, y1];
}
