import { proposalKernels } from '../native/proposal-kernels.js';
import { stdSort } from '../sort/std-sort.js';

/** EdgeBoxes parameters, OpenCV's names and defaults (`cv::ximgproc::createEdgeBoxes`). */
export interface EdgeBoxesOptions {
  /** Step size of the sliding window search (IoU between neighbouring windows). */
  readonly alpha: number;
  /** NMS threshold for object proposals. */
  readonly beta: number;
  /** Adaptation rate of the NMS threshold (1 = fixed). */
  readonly eta: number;
  readonly minScore: number;
  readonly maxBoxes: number;
  readonly edgeMinMag: number;
  readonly edgeMergeThr: number;
  readonly clusterMinMag: number;
  readonly maxAspectRatio: number;
  readonly minBoxArea: number;
  /** Affinity sensitivity. */
  readonly gamma: number;
  /** Scale sensitivity. */
  readonly kappa: number;
}

export const EDGE_BOXES_DEFAULTS: EdgeBoxesOptions = {
  alpha: 0.65,
  beta: 0.75,
  eta: 1,
  minScore: 0.01,
  maxBoxes: 10000,
  edgeMinMag: 0.1,
  edgeMergeThr: 0.5,
  clusterMinMag: 0.5,
  maxAspectRatio: 3,
  minBoxArea: 1000,
  gamma: 2,
  kappa: 1.5,
};

export interface EdgeBoxesResult {
  /** xyxy; OpenCV returns (x + 1, y + 1, w, h) — a MATLAB 1-based leftover — here x, y are 0-based. */
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
}

const f = Math.fround;
const PI_F = f(Math.PI);

/**
 * EdgeBoxes (Zitnick & Dollár, "Edge Boxes: Locating Object Proposals from Edges", ECCV 2014),
 * a port of OpenCV ximgproc's `EdgeBoxesImpl` with its float32 arithmetic and `std::sort`s.
 *
 * Edge pixels (magnitude > edgeMinMag) are grouped greedily into segments of similar orientation
 * (summed orientation change < edgeMergeThr); segments with total magnitude ≤ clusterMinMag are
 * dissolved into neighbours. Affinity a(s, t) = |cos(θ_s − θ_st)·cos(θ_t − θ_st)|^γ from the
 * segments' mean orientations and the angle between their centres. A box b scores
 * h(b) = (Σ_s w_b(s)·m_s − Σ_{centre quarter} m) / (2(b_w + b_h))^κ, where w_b(s) = 1 − max over
 * paths from a segment crossing the border of Π a. Boxes from a sliding window (step α, aspect ≤
 * maxAspectRatio, area ≥ minBoxArea) are refined by a coarse-to-fine search, then greedy NMS at
 * IoU β (adapted by η) keeps at most maxBoxes.
 *
 * @param edges edge magnitude in [0, 1], row-major `height × width` (after edge NMS).
 * @param orientation edge orientation in [0, π), same layout.
 */
export function edgeBoxes(
  edges: Float32Array,
  orientation: Float32Array,
  width: number,
  height: number,
  options: EdgeBoxesOptions = EDGE_BOXES_DEFAULTS,
): EdgeBoxesResult {
  const native = proposalKernels();
  if (native !== undefined) {
    const o = options;
    const packed = [o.alpha, o.beta, o.eta, o.minScore, o.maxBoxes, o.edgeMinMag, o.edgeMergeThr];
    packed.push(o.clusterMinMag, o.maxAspectRatio, o.minBoxArea, o.gamma, o.kappa);
    return native.edgeBoxes(edges, orientation, width, height, Float64Array.from(packed));
  }
  const search = new EdgeBoxSearch(edges, orientation, width, height, options);
  return search.run();
}

class EdgeBoxSearch {
  private readonly w: number;
  private readonly h: number;
  /** Column-major (x·h + y), as OpenCV transposes its inputs. */
  private readonly E: Float32Array;
  private readonly O: Float32Array;
  private readonly o: EdgeBoxesOptions;
  private segIds: Int32Array;
  private segCnt = 0;
  private segMag = new Float32Array(0);
  private segPx = new Int32Array(0);
  private segPy = new Int32Array(0);
  private segAff: number[][] = [];
  private segAffIdx: number[][] = [];
  private segIImg = new Float32Array(0);
  private magIImg = new Float32Array(0);
  private hIdxImg = new Int32Array(0);
  private vIdxImg = new Int32Array(0);
  private hIdxs: Int32Array[] = [];
  private vIdxs: Int32Array[] = [];
  private sWts = new Float32Array(0);
  private sDone = new Int32Array(0);
  private sMap = new Int32Array(0);
  private sIds = new Int32Array(0);
  private sId = 0;
  private readonly scaleNorm: Float32Array;
  private readonly sxStep: number;
  private readonly ayStep: number;
  private readonly xyStepRatio: number;

  constructor(
    edges: Float32Array,
    orientation: Float32Array,
    width: number,
    height: number,
    options: EdgeBoxesOptions,
  ) {
    this.w = width;
    this.h = height;
    this.o = options;
    this.E = new Float32Array(width * height);
    this.O = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        this.E[x * height + y] = edges[y * width + x]!;
        this.O[x * height + y] = orientation[y * width + x]!;
      }
    }
    this.segIds = new Int32Array(width * height);
    const alpha = f(options.alpha);
    this.sxStep = f(Math.sqrt(f(1 / alpha)));
    this.ayStep = f(f(1 + alpha) / f(2 * alpha));
    this.xyStepRatio = f(f(1 - alpha) / f(1 + alpha));
    this.scaleNorm = new Float32Array(10000);
    for (let i = 0; i < 10000; i++) this.scaleNorm[i] = f(Math.pow(f(1 / i), f(options.kappa)));
  }

  run(): EdgeBoxesResult {
    this.clusterEdges();
    this.prepDataStructs();
    const boxes = this.scoreAllBoxes();
    const kept = this.nms(boxes);
    const n = kept.score.length;
    const out = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      out[i * 4] = kept.x[i]!;
      out[i * 4 + 1] = kept.y[i]!;
      out[i * 4 + 2] = kept.x[i]! + kept.w[i]!;
      out[i * 4 + 3] = kept.y[i]! + kept.h[i]!;
    }
    return { boxes: out, scores: Float32Array.from(kept.score) };
  }

  private angleDiff(o1: number, o0: number): number {
    let v = f(f(Math.abs(f(o1 - o0))) / PI_F);
    if (v > 0.5) v = f(1 - v);
    return v;
  }

  private clusterEdges(): void {
    const { w, h, E, O } = this;
    const S = this.segIds;
    const edgeMinMag = f(this.o.edgeMinMag);
    const edgeMergeThr = f(this.o.edgeMergeThr);
    for (let x = 0; x < w; x++)
      for (let y = 0; y < h; y++)
        if (x === 0 || y === 0 || x === w - 1 || y === h - 1 || E[x * h + y]! <= edgeMinMag)
          S[x * h + y] = -1;
    let segCnt = 1;
    for (let x = 1; x < w - 1; x++) {
      for (let y = 1; y < h - 1; y++) {
        if (S[x * h + y] !== 0) continue;
        let sumv = 0;
        let x0 = x;
        let y0 = y;
        const vs: number[] = [];
        const xs: number[] = [];
        const ys: number[] = [];
        while (sumv < edgeMergeThr) {
          S[x0 * h + y0] = segCnt;
          const o0 = O[x0 * h + y0]!;
          for (let xd = -1; xd <= 1; xd++) {
            for (let yd = -1; yd <= 1; yd++) {
              const xx = x0 + xd;
              const yy = y0 + yd;
              if (S[xx * h + yy] !== 0) continue;
              let found = false;
              for (let i = 0; i < xs.length; i++) {
                if (xs[i] === xx && ys[i] === yy) {
                  found = true;
                  break;
                }
              }
              if (found) continue;
              vs.push(this.angleDiff(O[xx * h + yy]!, o0));
              xs.push(xx);
              ys.push(yy);
            }
          }
          let minv = 1000;
          let j = 0;
          for (let i = 0; i < vs.length; i++) {
            if (vs[i]! < minv) {
              minv = vs[i]!;
              x0 = xs[i]!;
              y0 = ys[i]!;
              j = i;
            }
          }
          sumv = f(sumv + minv);
          if (minv < 1000) vs[j] = 1000;
        }
        segCnt++;
      }
    }
    // merge or remove small segments
    let segMag = new Float32Array(segCnt);
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j > 0) segMag[j] = f(segMag[j]! + E[x * h + y]!);
      }
    const clusterMinMag = f(this.o.clusterMinMag);
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j > 0 && segMag[j]! <= clusterMinMag) S[x * h + y] = 0;
      }
    let changed = 1;
    while (changed > 0) {
      changed = 0;
      for (let x = 1; x < w - 1; x++) {
        for (let y = 1; y < h - 1; y++) {
          if (S[x * h + y] !== 0) continue;
          const o0 = O[x * h + y]!;
          let minv = 1000;
          let j = 0;
          for (let xd = -1; xd <= 1; xd++)
            for (let yd = -1; yd <= 1; yd++) {
              const s1 = S[(x + xd) * h + y + yd]!;
              if (s1 <= 0) continue;
              const v = this.angleDiff(O[(x + xd) * h + y + yd]!, o0);
              if (v < minv) {
                minv = v;
                j = s1;
              }
            }
          S[x * h + y] = j;
          if (j > 0) changed++;
        }
      }
    }
    // compactify
    segMag = new Float32Array(segCnt);
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j > 0) segMag[j] = f(segMag[j]! + E[x * h + y]!);
      }
    const map = new Int32Array(segCnt);
    let next = 1;
    for (let i = 0; i < segCnt; i++) if (segMag[i]! > 0) map[i] = next++;
    segCnt = next;
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j > 0) S[x * h + y] = map[j]!;
      }
    // positional means and magnitudes
    segMag = new Float32Array(segCnt);
    const meanX = new Float32Array(segCnt);
    const meanY = new Float32Array(segCnt);
    const meanOx = new Float32Array(segCnt);
    const meanOy = new Float32Array(segCnt);
    const meanO = new Float32Array(segCnt);
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j <= 0) continue;
        const m = E[x * h + y]!;
        const o = O[x * h + y]!;
        segMag[j] = f(segMag[j]! + m);
        meanOx[j] = f(meanOx[j]! + f(m * f(Math.cos(f(2 * o)))));
        meanOy[j] = f(meanOy[j]! + f(m * f(Math.sin(f(2 * o)))));
        meanX[j] = f(meanX[j]! + f(m * x));
        meanY[j] = f(meanY[j]! + f(m * y));
      }
    for (let i = 0; i < segCnt; i++) {
      if (segMag[i]! > 0) {
        const m = segMag[i]!;
        meanX[i] = f(meanX[i]! / m);
        meanY[i] = f(meanY[i]! / m);
        meanO[i] = f(f(Math.atan2(f(meanOy[i]! / m), f(meanOx[i]! / m))) / 2);
      }
    }
    // affinities
    const aff: number[][] = Array.from({ length: segCnt }, () => []);
    const affIdx: number[][] = Array.from({ length: segCnt }, () => []);
    const rad = 2;
    const gamma = f(this.o.gamma);
    const halfPi = f(PI_F / 2);
    for (let x = rad; x < w - rad; x++) {
      for (let y = rad; y < h - rad; y++) {
        const s0 = S[x * h + y]!;
        if (s0 <= 0) continue;
        for (let xd = -rad; xd <= rad; xd++) {
          for (let yd = -rad; yd <= rad; yd++) {
            const s1 = S[(x + xd) * h + y + yd]!;
            if (s1 <= s0) continue;
            if (affIdx[s0]!.includes(s1)) continue;
            const o = f(
              f(Math.atan2(f(meanY[s0]! - meanY[s1]!), f(meanX[s0]! - meanX[s1]!))) + halfPi,
            );
            let a = f(Math.abs(f(f(Math.cos(f(meanO[s0]! - o))) * f(Math.cos(f(meanO[s1]! - o))))));
            a = f(Math.pow(a, gamma));
            aff[s0]!.push(a);
            affIdx[s0]!.push(s1);
            aff[s1]!.push(a);
            affIdx[s1]!.push(s0);
          }
        }
      }
    }
    const segPx = new Int32Array(segCnt);
    const segPy = new Int32Array(segCnt);
    for (let x = 1; x < w - 1; x++)
      for (let y = 1; y < h - 1; y++) {
        const j = S[x * h + y]!;
        if (j > 0) {
          segPx[j] = x;
          segPy[j] = y;
        }
      }
    this.segCnt = segCnt;
    this.segMag = segMag;
    this.segAff = aff;
    this.segAffIdx = affIdx;
    this.segPx = segPx;
    this.segPy = segPy;
  }

  private prepDataStructs(): void {
    const { w, h, E } = this;
    const S = this.segIds;
    const H1 = h + 1;
    const E1 = new Float32Array(w * h);
    for (let i = 0; i < this.segCnt; i++) {
      if (this.segMag[i]! > 0) E1[this.segPx[i]! * h + this.segPy[i]!] = this.segMag[i]!;
    }
    const seg = new Float32Array((w + 1) * H1);
    const mag = new Float32Array((w + 1) * H1);
    const edgeMinMag = f(this.o.edgeMinMag);
    for (let x = 1; x < w; x++) {
      for (let y = 1; y < h; y++) {
        seg[(x + 1) * H1 + y + 1] = f(
          f(f(E1[x * h + y]! + seg[x * H1 + y + 1]!) + seg[(x + 1) * H1 + y]!) - seg[x * H1 + y]!,
        );
        const e = E[x * h + y]! > edgeMinMag ? E[x * h + y]! : 0;
        mag[(x + 1) * H1 + y + 1] = f(
          f(f(e + mag[x * H1 + y + 1]!) + mag[(x + 1) * H1 + y]!) - mag[x * H1 + y]!,
        );
      }
    }
    this.segIImg = seg;
    this.magIImg = mag;
    this.hIdxImg = new Int32Array(w * h);
    this.hIdxs = [];
    for (let y = 0; y < h; y++) {
      let s = 0;
      const list = [s];
      for (let x = 0; x < w; x++) {
        const s1 = S[x * h + y]!;
        if (s1 !== s) {
          s = s1;
          list.push(s);
        }
        this.hIdxImg[x * h + y] = list.length - 1;
      }
      this.hIdxs.push(Int32Array.from(list));
    }
    this.vIdxImg = new Int32Array(w * h);
    this.vIdxs = [];
    for (let x = 0; x < w; x++) {
      let s = 0;
      const list = [s];
      for (let y = 0; y < h; y++) {
        const s1 = S[x * h + y]!;
        if (s1 !== s) {
          s = s1;
          list.push(s);
        }
        this.vIdxImg[x * h + y] = list.length - 1;
      }
      this.vIdxs.push(Int32Array.from(list));
    }
    const n = this.segCnt + 1;
    this.sWts = new Float32Array(n);
    this.sDone = new Int32Array(n).fill(-1);
    this.sMap = new Int32Array(n);
    this.sIds = new Int32Array(n);
    this.sId = 0;
  }

  /** Scores box (x, y, w, h) in place in `b`; returns nothing, mutates b (clamped). */
  private scoreBox(b: Box): void {
    const { w, h } = this;
    const H1 = h + 1;
    const sWts = this.sWts;
    const sDone = this.sDone;
    const sMap = this.sMap;
    const sIds = this.sIds;
    const sId = this.sId++;
    const y1 = clamp(b.y + b.h, 0, h - 1);
    const y0 = (b.y = clamp(b.y, 0, h - 1));
    const x1 = clamp(b.x + b.w, 0, w - 1);
    const x0 = (b.x = clamp(b.x, 0, w - 1));
    b.h = y1 - b.y;
    const bh = Math.trunc(b.h / 2);
    b.w = x1 - b.x;
    const bw = Math.trunc(b.w / 2);
    const seg = this.segIImg;
    const mag = this.magIImg;
    let v = f(
      f(f(seg[x0 * H1 + y0]! + seg[(x1 + 1) * H1 + y1 + 1]!) - seg[(x1 + 1) * H1 + y0]!) -
        seg[x0 * H1 + y1 + 1]!,
    );
    const y0m = y0 + Math.trunc(bh / 2);
    const y1m = y0m + bh;
    const x0m = x0 + Math.trunc(bw / 2);
    const x1m = x0m + bw;
    v = f(
      v -
        f(
          f(f(mag[x0m * H1 + y0m]! + mag[(x1m + 1) * H1 + y1m + 1]!) - mag[(x1m + 1) * H1 + y0m]!) -
            mag[x0m * H1 + y1m + 1]!,
        ),
    );
    const norm = this.scaleNorm[bw + bh]!;
    b.score = f(v * norm);
    if (b.score < f(this.o.minScore)) {
      b.score = 0;
      return;
    }
    let n = 0;
    const take = (list: Int32Array, start: number, end: number): void => {
      for (let i = start; i <= end; i++) {
        const j = list[i]!;
        if (j > 0 && sDone[j] !== sId) {
          sIds[n] = j;
          sWts[n] = 1;
          sDone[j] = sId;
          sMap[j] = n++;
        }
      }
    };
    take(this.hIdxs[y0]!, this.hIdxImg[x0 * h + y0]!, this.hIdxImg[x1 * h + y0]!);
    take(this.hIdxs[y1]!, this.hIdxImg[x0 * h + y1]!, this.hIdxImg[x1 * h + y1]!);
    take(this.vIdxs[x0]!, this.vIdxImg[x0 * h + y0]!, this.vIdxImg[x0 * h + y1]!);
    take(this.vIdxs[x1]!, this.vIdxImg[x1 * h + y0]!, this.vIdxImg[x1 * h + y1]!);
    const segPx = this.segPx;
    const segPy = this.segPy;
    for (let i = 0; i < n; i++) {
      const ws = sWts[i]!;
      const j = sIds[i]!;
      const idx = this.segAffIdx[j]!;
      const aff = this.segAff[j]!;
      for (let k = 0; k < idx.length; k++) {
        const q = idx[k]!;
        const wq = f(ws * aff[k]!);
        if (wq < f(0.05)) continue;
        if (sDone[q] === sId) {
          if (wq > sWts[sMap[q]!]!) {
            sWts[sMap[q]!] = wq;
            i = Math.min(i, sMap[q]! - 1);
          }
        } else if (segPx[q]! >= x0 && segPx[q]! <= x1 && segPy[q]! >= y0 && segPy[q]! <= y1) {
          sIds[n] = q;
          sWts[n] = wq;
          sDone[q] = sId;
          sMap[q] = n++;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const k = sIds[i]!;
      if (segPx[k]! >= x0 && segPx[k]! <= x1 && segPy[k]! >= y0 && segPy[k]! <= y1) {
        v = f(v - f(sWts[i]! * this.segMag[k]!));
      }
    }
    v = f(v * norm);
    if (v < f(this.o.minScore)) v = 0;
    b.score = v;
  }

  private refineBox(box: Box): void {
    let yStep = Math.trunc(f(box.h * this.xyStepRatio));
    let xStep = Math.trunc(f(box.w * this.xyStepRatio));
    for (;;) {
      yStep = Math.trunc(yStep / 2);
      xStep = Math.trunc(xStep / 2);
      if (yStep <= 2 && xStep <= 2) break;
      yStep = Math.max(1, yStep);
      xStep = Math.max(1, xStep);
      let B = { ...box, y: box.y - yStep, h: box.h + yStep };
      this.scoreBox(B);
      if (B.score <= box.score) {
        B = { ...box, y: box.y + yStep, h: box.h - yStep };
        this.scoreBox(B);
      }
      if (B.score > box.score) Object.assign(box, B);
      B = { ...box, h: box.h + yStep };
      this.scoreBox(B);
      if (B.score <= box.score) {
        B = { ...box, h: box.h - yStep };
        this.scoreBox(B);
      }
      if (B.score > box.score) Object.assign(box, B);
      B = { ...box, x: box.x - xStep, w: box.w + xStep };
      this.scoreBox(B);
      if (B.score <= box.score) {
        B = { ...box, x: box.x + xStep, w: box.w - xStep };
        this.scoreBox(B);
      }
      if (B.score > box.score) Object.assign(box, B);
      B = { ...box, w: box.w + xStep };
      this.scoreBox(B);
      if (B.score <= box.score) {
        B = { ...box, w: box.w - xStep };
        this.scoreBox(B);
      }
      if (B.score > box.score) Object.assign(box, B);
    }
  }

  private scoreAllBoxes(): Box[] {
    const { w, h } = this;
    const minSize = f(Math.sqrt(f(this.o.minBoxArea)));
    const ayRad = Math.trunc(
      f(f(Math.log(f(this.o.maxAspectRatio))) / f(Math.log(f(this.ayStep * this.ayStep)))),
    );
    const sxNum = Math.trunc(
      Math.ceil(f(f(Math.log(f(Math.max(w, h) / minSize))) / f(Math.log(this.sxStep)))),
    );
    const boxes: Box[] = [];
    for (let s = 0; s < sxNum; s++) {
      for (let a = 0; a < 2 * ayRad + 1; a++) {
        const ay = f(Math.pow(this.ayStep, a - ayRad));
        const sx = f(minSize * f(Math.pow(this.sxStep, s)));
        const bh = Math.trunc(f(sx / ay));
        const ky = Math.max(2, Math.trunc(f(bh * this.xyStepRatio)));
        const bw = Math.trunc(f(sx * ay));
        const kx = Math.max(2, Math.trunc(f(bw * this.xyStepRatio)));
        for (let x = 0; x < w - bw + kx; x += kx)
          for (let y = 0; y < h - bh + ky; y += ky) boxes.push({ x, y, w: bw, h: bh, score: 0 });
      }
    }
    let k = 0;
    for (const box of boxes) {
      this.scoreBox(box);
      if (!box.score) continue;
      k++;
      this.refineBox(box);
    }
    const sorted = sortDescending(boxes);
    return sorted.slice(0, k);
  }

  private nms(input: Box[]): {
    x: number[];
    y: number[];
    w: number[];
    h: number[];
    score: number[];
  } {
    let boxes = sortDescending(input);
    let thr = f(this.o.beta);
    const eta = f(this.o.eta);
    const maxBoxes = this.o.maxBoxes;
    const out = {
      x: [] as number[],
      y: [] as number[],
      w: [] as number[],
      h: [] as number[],
      score: [] as number[],
    };
    const emit = (list: Box[]): typeof out => {
      for (const b of list) {
        out.x.push(b.x);
        out.y.push(b.y);
        out.w.push(b.w);
        out.h.push(b.h);
        out.score.push(b.score);
      }
      return out;
    };
    if (thr > f(0.99)) return emit(boxes);
    const nBin = 10000;
    const step = f(1 / thr);
    const lstep = f(Math.log(step));
    const kept: Box[][] = Array.from({ length: nBin + 1 }, () => []);
    let i = 0;
    let m = 0;
    let d = 1;
    while (i < boxes.length && m < maxBoxes) {
      const box = boxes[i]!;
      let keep = true;
      const b = clamp(Math.trunc(Math.ceil(f(f(Math.log(f(box.w * box.h))) / lstep))), d, nBin - d);
      for (let j = b - d; j <= b + d; j++) {
        for (const other of kept[j]!) {
          if (keep) keep = overlap(box, other) <= thr;
        }
      }
      if (keep) {
        kept[b]!.push(box);
        m++;
      }
      i++;
      if (keep && eta < 1 && thr > 0.5) {
        thr = f(thr * eta);
        d = Math.trunc(Math.ceil(f(f(Math.log(f(1 / thr))) / lstep)));
      }
    }
    boxes = [];
    for (let j = 0; j < nBin; j++) for (const box of kept[j]!) boxes.push(box);
    return emit(sortDescending(boxes));
  }
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}

/** `sort(boxes.rbegin(), boxes.rend(), score <)` — libstdc++ introsort over the reversed range. */
function sortDescending(boxes: Box[]): Box[] {
  const n = boxes.length;
  const keys = new Float32Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = boxes[n - 1 - i]!.score;
    order[i] = n - 1 - i;
  }
  stdSort(keys, order);
  const out: Box[] = new Array<Box>(n);
  for (let i = 0; i < n; i++) out[n - 1 - i] = boxes[order[i]!]!;
  return out;
}

function overlap(a: Box, b: Box): number {
  const y1i = a.y + a.h;
  const x1i = a.x + a.w;
  if (a.y >= y1i || a.x >= x1i) return 0;
  const y1j = b.y + b.h;
  const x1j = b.x + b.w;
  if (a.y >= y1j || a.x >= x1j) return 0;
  const areai = f(a.w * a.h);
  const y0 = Math.max(a.y, b.y);
  const y1 = Math.min(y1i, y1j);
  const areaj = f(b.w * b.h);
  const x0 = Math.max(a.x, b.x);
  const x1 = Math.min(x1i, x1j);
  const areaij = f(Math.max(0, y1 - y0) * Math.max(0, x1 - x0));
  return f(areaij / f(f(areai + areaj) - areaij));
}
