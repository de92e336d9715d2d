import type { Rng } from '@ssdet/core';
import { adjustBrightness } from './adjust-brightness.js';
import { adjustContrast } from './adjust-contrast.js';
import { adjustHue } from './adjust-hue.js';
import { adjustSaturation } from './adjust-saturation.js';
import type { RgbImage } from './rgb-image.js';

/** torchvision `ColorJitter(brightness, contrast, saturation, hue)` strengths. */
export interface ColorJitterStrength {
  readonly brightness: number;
  readonly contrast: number;
  readonly saturation: number;
  readonly hue: number;
}

/** The parameters one application drew: the order of the four adjustments and their factors. */
export interface ColorJitterDraw {
  readonly order: readonly number[];
  readonly brightness: number | undefined;
  readonly contrast: number | undefined;
  readonly saturation: number | undefined;
  readonly hue: number | undefined;
}

/**
 * torchvision `ColorJitter.get_params`: a random order of (brightness, contrast, saturation,
 * hue); factors ~ U[max(0, 1 − s), 1 + s] for the first three and U[−h, h] for hue; a strength
 * of 0 leaves that adjustment out.
 */
export function drawColorJitter(rng: Rng, strength: ColorJitterStrength): ColorJitterDraw {
  const order = rng.permutation(4);
  const factor = (s: number): number | undefined =>
    s > 0 ? rng.uniform(Math.max(0, 1 - s), 1 + s) : undefined;
  return {
    order,
    brightness: factor(strength.brightness),
    contrast: factor(strength.contrast),
    saturation: factor(strength.saturation),
    hue: strength.hue > 0 ? rng.uniform(-strength.hue, strength.hue) : undefined,
  };
}

/** Applies a drawn jitter in its order, in place. */
export function applyColorJitter(image: RgbImage, draw: ColorJitterDraw): void {
  for (const index of draw.order) {
    if (index === 0 && draw.brightness !== undefined) adjustBrightness(image, draw.brightness);
    else if (index === 1 && draw.contrast !== undefined) adjustContrast(image, draw.contrast);
    else if (index === 2 && draw.saturation !== undefined) adjustSaturation(image, draw.saturation);
    else if (index === 3 && draw.hue !== undefined) adjustHue(image, draw.hue);
  }
}
