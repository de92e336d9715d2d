import type { Boxes } from './box-ops.js';

/** `log(1000 / 16)`: no box grows more than 1000/16 × in one decode (torchvision's clamp). */
export const BOX_XFORM_CLIP = Math.log(1000 / 16);

/**
 * Faster R-CNN's box parametrisation, torchvision's `BoxCoder` (R-CNN, Girshick et al. 2014):
 *
 *     t_x = w_x·(x − x_a)/w_a,  t_y = w_y·(y − y_a)/h_a,  t_w = w_w·log(w/w_a),  t_h = w_h·log(h/h_a)
 *
 * for centres (x, y) and sizes (w, h) of a box against its reference (anchor or proposal).
 * Weights (1, 1, 1, 1) for the RPN, (10, 10, 5, 5) for the RoI heads.
 */
export class BoxCoder {
  constructor(
    readonly weights: readonly [number, number, number, number] = [1, 1, 1, 1],
    readonly clip: number = BOX_XFORM_CLIP,
  ) {}

  /** Regression targets of `boxes` (matched ground truth) against `references` (anchors). */
  encode(boxes: Boxes, references: Boxes): Float32Array {
    const [wx, wy, ww, wh] = this.weights;
    const out = new Float32Array(boxes.length);
    for (let i = 0; i < boxes.length; i += 4) {
      const exW = references[i + 2]! - references[i]!;
      const exH = references[i + 3]! - references[i + 1]!;
      const exX = references[i]! + 0.5 * exW;
      const exY = references[i + 1]! + 0.5 * exH;
      const gtW = boxes[i + 2]! - boxes[i]!;
      const gtH = boxes[i + 3]! - boxes[i + 1]!;
      const gtX = boxes[i]! + 0.5 * gtW;
      const gtY = boxes[i + 1]! + 0.5 * gtH;
      out[i] = (wx * (gtX - exX)) / exW;
      out[i + 1] = (wy * (gtY - exY)) / exH;
      out[i + 2] = ww * Math.log(gtW / exW);
      out[i + 3] = wh * Math.log(gtH / exH);
    }
    return out;
  }

  /** Boxes from regression `deltas` applied to `references`; `log` sizes clamped at `clip`. */
  decode(deltas: ArrayLike<number>, references: Boxes): Float32Array {
    const [wx, wy, ww, wh] = this.weights;
    const out = new Float32Array(deltas.length);
    for (let i = 0; i < deltas.length; i += 4) {
      const width = references[i + 2]! - references[i]!;
      const height = references[i + 3]! - references[i + 1]!;
      const cx = references[i]! + 0.5 * width;
      const cy = references[i + 1]! + 0.5 * height;
      const dx = deltas[i]! / wx;
      const dy = deltas[i + 1]! / wy;
      const dw = Math.min(deltas[i + 2]! / ww, this.clip);
      const dh = Math.min(deltas[i + 3]! / wh, this.clip);
      const x = dx * width + cx;
      const y = dy * height + cy;
      const halfW = 0.5 * Math.exp(dw) * width;
      const halfH = 0.5 * Math.exp(dh) * height;
      out[i] = x - halfW;
      out[i + 1] = y - halfH;
      out[i + 2] = x + halfW;
      out[i + 3] = y + halfH;
    }
    return out;
  }
}
