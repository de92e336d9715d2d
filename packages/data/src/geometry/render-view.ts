import { type DecodedImage, SsdetError, type ViewGeometry } from '@ssdet/core';
import { resampleRegion } from './resample.js';

/**
 * The float RGB pixels (HWC, [0, 1]) a view shows: crop `geometry.sourceBox`, resize to the view's
 * size with torchvision's antialiased bilinear filter, mirror when flipped.
 *
 * The source box is snapped outwards to whole pixels (every torchvision-style crop is integral
 * already; region crops with fractional edges lose less than a pixel) and clipped to the image.
 */
export function renderView(image: DecodedImage, geometry: ViewGeometry): Float32Array {
  const [bx0, by0, bx1, by1] = geometry.sourceBox;
  const x0 = Math.max(0, Math.floor(bx0 + 1e-6));
  const y0 = Math.max(0, Math.floor(by0 + 1e-6));
  const x1 = Math.min(image.width, Math.ceil(bx1 - 1e-6));
  const y1 = Math.min(image.height, Math.ceil(by1 - 1e-6));
  if (x1 <= x0 || y1 <= y0) {
    throw new SsdetError(
      'VIEW_EMPTY',
      `A view's source box [${geometry.sourceBox.join(', ')}] has no pixels inside the ${image.width} × ${image.height} image.`,
    );
  }
  return resampleRegion(
    image.pixels,
    image.width,
    { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
    geometry.width,
    geometry.height,
    geometry.flipped,
  );
}
