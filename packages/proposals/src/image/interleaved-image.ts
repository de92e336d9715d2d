import type { DecodedImage } from '@ssdet/core';

/** An 8-bit image with any number of interleaved channels (RGB, HSV, Lab, grey, …), row-major. */
export interface InterleavedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

export function fromDecoded(image: DecodedImage): InterleavedImage {
  return { width: image.width, height: image.height, channels: 3, data: image.pixels };
}
