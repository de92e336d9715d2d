import type { ViewGeometry } from '@ssdet/core';
import { socoLevelForBoxes } from '@ssdet/nn';

/** One view's boxes as SoCo pools them. */
export interface SocoRois {
  /** `4·n` RoI corners in view pixels, as SoCo hands them to RoIAlign. */
  readonly rois: Float32Array;
  /** Per box its pyramid level index (0 = P2 … 3 = P5), or −1: too large, or a padding slot. */
  readonly levels: Int32Array;
}

/**
 * Converts boxes in view pixels (xyxy, edges between pixels, possibly mirrored) into the RoIs and
 * levels of SoCo's official pipeline, which keeps boxes in inclusive pixel coordinates
 * (`x2 = x1 + w − 1` in the source image): the far edge sits one *source* pixel inside ours, RoIs
 * are those inclusive corners scaled into the view (mirrored like the image when flipped), and the
 * level comes from the unmirrored corners truncated to integers, `√((x2 − x1 + 1)(y2 − y1 + 1))`
 * against `thresholds` (`assign_bboxs_to_feature_map`, via {@link socoLevelForBoxes}).
 *
 * @param ids entries < 0 mark padding slots: level −1.
 */
export function socoRois(
  boxes: Float32Array,
  ids: Int32Array,
  geometry: ViewGeometry,
  thresholds: readonly number[],
): SocoRois {
  const { width, height, sourceBox, flipped } = geometry;
  const sx = width / (sourceBox[2] - sourceBox[0]);
  const sy = height / (sourceBox[3] - sourceBox[1]);
  const n = boxes.length / 4;
  const rois = new Float32Array(boxes.length);
  const unmirrored = new Float32Array(boxes.length);
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = [
      boxes[4 * i]!,
      boxes[4 * i + 1]!,
      boxes[4 * i + 2]!,
      boxes[4 * i + 3]!,
    ];
    const [u0, u1] = flipped ? [width - x1, width - x0] : [x0, x1];
    const inclusive = [u0, y0, u1 - sx, y1 - sy] as const;
    unmirrored.set(inclusive, 4 * i);
    rois.set(
      flipped ? [width - inclusive[2], y0, width - inclusive[0], inclusive[3]] : inclusive,
      4 * i,
    );
  }
  const levels = socoLevelForBoxes(unmirrored, thresholds);
  for (let i = 0; i < n; i++) if (ids[i]! < 0) levels[i] = -1;
  return { rois, levels };
}
