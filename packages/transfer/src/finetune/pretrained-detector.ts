/** The detectors a DETR-family pre-training run can hand over whole. */
export const DETR_FAMILY_DETECTORS = ['detr', 'deformable-detr'] as const;
export type DetrFamilyDetector = (typeof DETR_FAMILY_DETECTORS)[number];

export function isDetrFamily(detector: string): detector is DetrFamilyDetector {
  return (DETR_FAMILY_DETECTORS as readonly string[]).includes(detector);
}

/**
 * The detector a DETR-family pre-training run trained, read from its stored config: the
 * `detector` it names (DETReg's and ProSeCo's `deformable-detr`), DETR otherwise (UP-DETR and
 * the DETR presets name none). Fine-tuning's `--detector auto` and `ssdet benchmark` both ask
 * this, so the two always agree.
 */
export function pretrainedDetrDetector(
  runConfig: Readonly<Record<string, unknown>> | null | undefined,
): DetrFamilyDetector {
  const detector = runConfig?.['detector'];
  return typeof detector === 'string' && isDetrFamily(detector) ? detector : 'detr';
}
