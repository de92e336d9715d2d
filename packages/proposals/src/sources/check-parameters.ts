import { SsdetError } from '@ssdet/core';

/** Explicit parameter checks with messages that name the algorithm, the field and what was expected. */
export function checkNumber(
  algorithm: string,
  field: string,
  value: unknown,
  rule: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean },
): number {
  const expected = [
    rule.integer ? 'an integer' : 'a number',
    rule.min !== undefined ? `${rule.exclusiveMin ? '>' : '≥'} ${rule.min}` : '',
    rule.max !== undefined ? `≤ ${rule.max}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || (rule.exclusiveMin ? value > rule.min : value >= rule.min)) &&
    (rule.max === undefined || value <= rule.max);
  if (!ok) {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `${algorithm}: parameter "${field}" must be ${expected}, got ${JSON.stringify(value)}`,
      { hint: `fix "${field}" in the region-source settings` },
    );
  }
  return value as number;
}

export function checkChoice<T extends string>(
  algorithm: string,
  field: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `${algorithm}: parameter "${field}" must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`,
      { hint: `fix "${field}" in the region-source settings` },
    );
  }
  return value as T;
}

export function checkBoolean(algorithm: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new SsdetError(
      'PROPOSALS_BAD_PARAMETER',
      `${algorithm}: parameter "${field}" must be true or false, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function checkImage(
  algorithm: string,
  image: { width: number; height: number; pixels: Uint8Array },
): void {
  if (
    !Number.isInteger(image.width) ||
    !Number.isInteger(image.height) ||
    image.width < 1 ||
    image.height < 1 ||
    image.pixels.length !== image.width * image.height * 3
  ) {
    throw new SsdetError(
      'PROPOSALS_BAD_IMAGE',
      `${algorithm}: expected an 8-bit RGB image with width·height·3 bytes, got ${image.width}×${image.height} with ${image.pixels.length} bytes`,
    );
  }
}
