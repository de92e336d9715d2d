// EdgeBoxes' box search (Zitnick & Dollár 2014) as the TypeScript `edgeBoxes` of @ssdet/proposals
// computes it — itself OpenCV ximgproc's EdgeBoxesImpl with its binary32 arithmetic and std::sorts.
// Transcendentals are evaluated in double and rounded to binary32, as Math.fround(Math.cos(…))
// does in the TypeScript, so both paths give the same boxes and scores.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dnnl_context.h"
#include "proposals.h"

namespace ssdet {
namespace {

const float kPi = static_cast<float>(M_PI);

float roundedCos(float x) { return static_cast<float>(std::cos(static_cast<double>(x))); }
float roundedSin(float x) { return static_cast<float>(std::sin(static_cast<double>(x))); }
float roundedLog(float x) { return static_cast<float>(std::log(static_cast<double>(x))); }
float roundedAtan2(float y, float x) {
  return static_cast<float>(std::atan2(static_cast<double>(y), static_cast<double>(x)));
}
float roundedPow(float x, double e) { return static_cast<float>(std::pow(static_cast<double>(x), e)); }

/** The option order of the Float64Array the TypeScript passes. */
struct Options {
  float alpha, beta, eta, minScore;
  double maxBoxes;
  float edgeMinMag, edgeMergeThr, clusterMinMag, maxAspectRatio, minBoxArea, gamma, kappa;
};

struct Box {
  int x, y, w, h;
  float score;
};

int clampInt(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/** `sort(boxes.rbegin(), boxes.rend(), score <)`: descending, ties as libstdc++ leaves them. */
void sortDescending(std::vector<Box>& boxes) {
  std::sort(boxes.rbegin(), boxes.rend(), [](const Box& a, const Box& b) { return a.score < b.score; });
}

float overlap(const Box& a, const Box& b) {
  const int y1i = a.y + a.h;
  const int x1i = a.x + a.w;
  if (a.y >= y1i || a.x >= x1i) return 0;
  const int y1j = b.y + b.h;
  const int x1j = b.x + b.w;
  if (a.y >= y1j || a.x >= x1j) return 0;
  const float areai = static_cast<float>(a.w * a.h);
  const int y0 = std::max(a.y, b.y);
  const int y1 = std::min(y1i, y1j);
  const float areaj = static_cast<float>(b.w * b.h);
  const int x0 = std::max(a.x, b.x);
  const int x1 = std::min(x1i, x1j);
  const float areaij = static_cast<float>(std::max(0, y1 - y0) * std::max(0, x1 - x0));
  const float sum = areai + areaj;
  return areaij / (sum - areaij);
}

class EdgeBoxSearch {
 public:
  EdgeBoxSearch(const float* edges, const float* orientation, int width, int height,
                const Options& options)
      : w_(width), h_(height), o_(options), E_(width * height), O_(width * height),
        S_(width * height, 0) {
    for (int y = 0; y < height; y++)
      for (int x = 0; x < width; x++) {
        E_[x * height + y] = edges[y * width + x];
        O_[x * height + y] = orientation[y * width + x];
      }
    const float alpha = o_.alpha;
    sxStep_ = std::sqrt(1.0f / alpha);
    ayStep_ = (1 + alpha) / (2 * alpha);
    xyStepRatio_ = (1 - alpha) / (1 + alpha);
    scaleNorm_.resize(10000);
    for (int i = 0; i < 10000; i++) {
      scaleNorm_[i] = roundedPow(static_cast<float>(1.0 / i), o_.kappa);
    }
  }

  std::vector<Box> run() {
    clusterEdges();
    prepDataStructs();
    std::vector<Box> boxes = scoreAllBoxes();
    return nms(boxes);
  }

 private:
  static float angleDiff(float o1, float o0) {
    float v = std::fabs(o1 - o0) / kPi;
    if (v > 0.5f) v = 1 - v;
    return v;
  }

  void clusterEdges() {
    const int w = w_, h = h_;
    std::vector<int>& S = S_;
    const float edgeMinMag = o_.edgeMinMag;
    const float edgeMergeThr = o_.edgeMergeThr;
    for (int x = 0; x < w; x++)
      for (int y = 0; y < h; y++)
        if (x == 0 || y == 0 || x == w - 1 || y == h - 1 || E_[x * h + y] <= edgeMinMag)
          S[x * h + y] = -1;
    int segCnt = 1;
    std::vector<float> vs;
    std::vector<int> xs, ys;
    for (int x = 1; x < w - 1; x++) {
      for (int y = 1; y < h - 1; y++) {
        if (S[x * h + y] != 0) continue;
        float sumv = 0;
        int x0 = x, y0 = y;
        vs.clear();
        xs.clear();
        ys.clear();
        while (sumv < edgeMergeThr) {
          S[x0 * h + y0] = segCnt;
          const float o0 = O_[x0 * h + y0];
          for (int xd = -1; xd <= 1; xd++) {
            for (int yd = -1; yd <= 1; yd++) {
              const int xx = x0 + xd, yy = y0 + yd;
              if (S[xx * h + yy] != 0) continue;
              bool found = false;
              for (size_t i = 0; i < xs.size(); i++) {
                if (xs[i] == xx && ys[i] == yy) {
                  found = true;
                  break;
                }
              }
              if (found) continue;
              vs.push_back(angleDiff(O_[xx * h + yy], o0));
              xs.push_back(xx);
              ys.push_back(yy);
            }
          }
          float minv = 1000;
          size_t j = 0;
          for (size_t i = 0; i < vs.size(); i++) {
            if (vs[i] < minv) {
              minv = vs[i];
              x0 = xs[i];
              y0 = ys[i];
              j = i;
            }
          }
          sumv = sumv + minv;
          if (minv < 1000) vs[j] = 1000;
        }
        segCnt++;
      }
    }
    // merge or remove small segments
    std::vector<float> segMag(segCnt, 0.0f);
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j > 0) segMag[j] = segMag[j] + E_[x * h + y];
      }
    const float clusterMinMag = o_.clusterMinMag;
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j > 0 && segMag[j] <= clusterMinMag) S[x * h + y] = 0;
      }
    int changed = 1;
    while (changed > 0) {
      changed = 0;
      for (int x = 1; x < w - 1; x++) {
        for (int y = 1; y < h - 1; y++) {
          if (S[x * h + y] != 0) continue;
          const float o0 = O_[x * h + y];
          float minv = 1000;
          int j = 0;
          for (int xd = -1; xd <= 1; xd++)
            for (int yd = -1; yd <= 1; yd++) {
              const int s1 = S[(x + xd) * h + y + yd];
              if (s1 <= 0) continue;
              const float v = angleDiff(O_[(x + xd) * h + y + yd], o0);
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
    std::fill(segMag.begin(), segMag.end(), 0.0f);
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j > 0) segMag[j] = segMag[j] + E_[x * h + y];
      }
    std::vector<int> map(segCnt, 0);
    int next = 1;
    for (int i = 0; i < segCnt; i++)
      if (segMag[i] > 0) map[i] = next++;
    segCnt = next;
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j > 0) S[x * h + y] = map[j];
      }
    // positional means and magnitudes
    segMag.assign(segCnt, 0.0f);
    std::vector<float> meanX(segCnt, 0.0f), meanY(segCnt, 0.0f), meanOx(segCnt, 0.0f),
        meanOy(segCnt, 0.0f), meanO(segCnt, 0.0f);
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j <= 0) continue;
        const float m = E_[x * h + y];
        const float o = O_[x * h + y];
        segMag[j] = segMag[j] + m;
        const float mc = m * roundedCos(2 * o);
        meanOx[j] = meanOx[j] + mc;
        const float ms = m * roundedSin(2 * o);
        meanOy[j] = meanOy[j] + ms;
        const float mx = m * static_cast<float>(x);
        meanX[j] = meanX[j] + mx;
        const float my = m * static_cast<float>(y);
        meanY[j] = meanY[j] + my;
      }
    for (int i = 0; i < segCnt; i++) {
      if (segMag[i] > 0) {
        const float m = segMag[i];
        meanX[i] = meanX[i] / m;
        meanY[i] = meanY[i] / m;
        meanO[i] = roundedAtan2(meanOy[i] / m, meanOx[i] / m) / 2;
      }
    }
    // affinities
    aff_.assign(segCnt, {});
    affIdx_.assign(segCnt, {});
    const int rad = 2;
    const double gamma = o_.gamma;
    const float halfPi = kPi / 2;
    for (int x = rad; x < w - rad; x++) {
      for (int y = rad; y < h - rad; y++) {
        const int s0 = S[x * h + y];
        if (s0 <= 0) continue;
        for (int xd = -rad; xd <= rad; xd++) {
          for (int yd = -rad; yd <= rad; yd++) {
            const int s1 = S[(x + xd) * h + y + yd];
            if (s1 <= s0) continue;
            const std::vector<int>& known = affIdx_[s0];
            if (std::find(known.begin(), known.end(), s1) != known.end()) continue;
            const float o = roundedAtan2(meanY[s0] - meanY[s1], meanX[s0] - meanX[s1]) + halfPi;
            const float product = roundedCos(meanO[s0] - o) * roundedCos(meanO[s1] - o);
            const float a = roundedPow(std::fabs(product), gamma);
            aff_[s0].push_back(a);
            affIdx_[s0].push_back(s1);
            aff_[s1].push_back(a);
            affIdx_[s1].push_back(s0);
          }
        }
      }
    }
    segPx_.assign(segCnt, 0);
    segPy_.assign(segCnt, 0);
    for (int x = 1; x < w - 1; x++)
      for (int y = 1; y < h - 1; y++) {
        const int j = S[x * h + y];
        if (j > 0) {
          segPx_[j] = x;
          segPy_[j] = y;
        }
      }
    segCnt_ = segCnt;
    segMag_ = std::move(segMag);
  }

  void prepDataStructs() {
    const int w = w_, h = h_, H1 = h + 1;
    std::vector<float> E1(static_cast<size_t>(w) * h, 0.0f);
    for (int i = 0; i < segCnt_; i++)
      if (segMag_[i] > 0) E1[segPx_[i] * h + segPy_[i]] = segMag_[i];
    segIImg_.assign(static_cast<size_t>(w + 1) * H1, 0.0f);
    magIImg_.assign(static_cast<size_t>(w + 1) * H1, 0.0f);
    float* seg = segIImg_.data();
    float* mag = magIImg_.data();
    const float edgeMinMag = o_.edgeMinMag;
    for (int x = 1; x < w; x++) {
      for (int y = 1; y < h; y++) {
        float s = E1[x * h + y] + seg[x * H1 + y + 1];
        s = s + seg[(x + 1) * H1 + y];
        seg[(x + 1) * H1 + y + 1] = s - seg[x * H1 + y];
        const float e = E_[x * h + y] > edgeMinMag ? E_[x * h + y] : 0;
        float m = e + mag[x * H1 + y + 1];
        m = m + mag[(x + 1) * H1 + y];
        mag[(x + 1) * H1 + y + 1] = m - mag[x * H1 + y];
      }
    }
    hIdxImg_.assign(static_cast<size_t>(w) * h, 0);
    hIdxs_.assign(h, {});
    for (int y = 0; y < h; y++) {
      int s = 0;
      std::vector<int>& list = hIdxs_[y];
      list.push_back(s);
      for (int x = 0; x < w; x++) {
        const int s1 = S_[x * h + y];
        if (s1 != s) {
          s = s1;
          list.push_back(s);
        }
        hIdxImg_[x * h + y] = static_cast<int>(list.size()) - 1;
      }
    }
    vIdxImg_.assign(static_cast<size_t>(w) * h, 0);
    vIdxs_.assign(w, {});
    for (int x = 0; x < w; x++) {
      int s = 0;
      std::vector<int>& list = vIdxs_[x];
      list.push_back(s);
      for (int y = 0; y < h; y++) {
        const int s1 = S_[x * h + y];
        if (s1 != s) {
          s = s1;
          list.push_back(s);
        }
        vIdxImg_[x * h + y] = static_cast<int>(list.size()) - 1;
      }
    }
    const int n = segCnt_ + 1;
    sWts_.assign(n, 0.0f);
    sDone_.assign(n, -1);
    sMap_.assign(n, 0);
    sIds_.assign(n, 0);
    sId_ = 0;
  }

  void take(const std::vector<int>& list, int start, int end, int sId, int& n) {
    for (int i = start; i <= end; i++) {
      const int j = list[i];
      if (j > 0 && sDone_[j] != sId) {
        sIds_[n] = j;
        sWts_[n] = 1;
        sDone_[j] = sId;
        sMap_[j] = n++;
      }
    }
  }

  void scoreBox(Box& b) {
    const int w = w_, h = h_, H1 = h + 1;
    const int sId = sId_++;
    const int y1 = clampInt(b.y + b.h, 0, h - 1);
    const int y0 = b.y = clampInt(b.y, 0, h - 1);
    const int x1 = clampInt(b.x + b.w, 0, w - 1);
    const int x0 = b.x = clampInt(b.x, 0, w - 1);
    b.h = y1 - b.y;
    const int bh = b.h / 2;
    b.w = x1 - b.x;
    const int bw = b.w / 2;
    const float* seg = segIImg_.data();
    const float* mag = magIImg_.data();
    float v = seg[x0 * H1 + y0] + seg[(x1 + 1) * H1 + y1 + 1];
    v = v - seg[(x1 + 1) * H1 + y0];
    v = v - seg[x0 * H1 + y1 + 1];
    const int y0m = y0 + bh / 2;
    const int y1m = y0m + bh;
    const int x0m = x0 + bw / 2;
    const int x1m = x0m + bw;
    float centre = mag[x0m * H1 + y0m] + mag[(x1m + 1) * H1 + y1m + 1];
    centre = centre - mag[(x1m + 1) * H1 + y0m];
    centre = centre - mag[x0m * H1 + y1m + 1];
    v = v - centre;
    // Out of the table (a box turned inside out) the TypeScript reads undefined: NaN.
    const float norm = bw + bh >= 0 && bw + bh < static_cast<int>(scaleNorm_.size())
                           ? scaleNorm_[bw + bh]
                           : std::numeric_limits<float>::quiet_NaN();
    b.score = v * norm;
    if (b.score < o_.minScore) {
      b.score = 0;
      return;
    }
    int n = 0;
    take(hIdxs_[y0], hIdxImg_[x0 * h + y0], hIdxImg_[x1 * h + y0], sId, n);
    take(hIdxs_[y1], hIdxImg_[x0 * h + y1], hIdxImg_[x1 * h + y1], sId, n);
    take(vIdxs_[x0], vIdxImg_[x0 * h + y0], vIdxImg_[x0 * h + y1], sId, n);
    take(vIdxs_[x1], vIdxImg_[x1 * h + y0], vIdxImg_[x1 * h + y1], sId, n);
    const float cutoff = 0.05f;
    for (int i = 0; i < n; i++) {
      const float ws = sWts_[i];
      const int j = sIds_[i];
      const std::vector<int>& idx = affIdx_[j];
      const std::vector<float>& aff = aff_[j];
      for (size_t k = 0; k < idx.size(); k++) {
        const int q = idx[k];
        const float wq = ws * aff[k];
        if (wq < cutoff) continue;
        if (sDone_[q] == sId) {
          if (wq > sWts_[sMap_[q]]) {
            sWts_[sMap_[q]] = wq;
            i = std::min(i, sMap_[q] - 1);
          }
        } else if (segPx_[q] >= x0 && segPx_[q] <= x1 && segPy_[q] >= y0 && segPy_[q] <= y1) {
          sIds_[n] = q;
          sWts_[n] = wq;
          sDone_[q] = sId;
          sMap_[q] = n++;
        }
      }
    }
    for (int i = 0; i < n; i++) {
      const int k = sIds_[i];
      if (segPx_[k] >= x0 && segPx_[k] <= x1 && segPy_[k] >= y0 && segPy_[k] <= y1) {
        const float removed = sWts_[i] * segMag_[k];
        v = v - removed;
      }
    }
    v = v * norm;
    if (v < o_.minScore) v = 0;
    b.score = v;
  }

  /** Tries one candidate (`first`, else `second` when it did not beat the box) and keeps the better. */
  void tryMove(Box& box, Box first, Box second) {
    scoreBox(first);
    Box best = first;
    if (first.score <= box.score) {
      scoreBox(second);
      best = second;
    }
    if (best.score > box.score) box = best;
  }

  void refineBox(Box& box) {
    int yStep = static_cast<int>(static_cast<float>(box.h) * xyStepRatio_);
    int xStep = static_cast<int>(static_cast<float>(box.w) * xyStepRatio_);
    for (;;) {
      yStep = yStep / 2;
      xStep = xStep / 2;
      if (yStep <= 2 && xStep <= 2) break;
      yStep = std::max(1, yStep);
      xStep = std::max(1, xStep);
      Box b = box;
      b.y = box.y - yStep;
      b.h = box.h + yStep;
      Box c = box;
      c.y = box.y + yStep;
      c.h = box.h - yStep;
      tryMove(box, b, c);
      b = box;
      b.h = box.h + yStep;
      c = box;
      c.h = box.h - yStep;
      tryMove(box, b, c);
      b = box;
      b.x = box.x - xStep;
      b.w = box.w + xStep;
      c = box;
      c.x = box.x + xStep;
      c.w = box.w - xStep;
      tryMove(box, b, c);
      b = box;
      b.w = box.w + xStep;
      c = box;
      c.w = box.w - xStep;
      tryMove(box, b, c);
    }
  }

  std::vector<Box> scoreAllBoxes() {
    const int w = w_, h = h_;
    const float minSize = std::sqrt(o_.minBoxArea);
    const int ayRad =
        static_cast<int>(roundedLog(o_.maxAspectRatio) / roundedLog(ayStep_ * ayStep_));
    const float widest = static_cast<float>(std::max(w, h)) / minSize;
    const int sxNum = static_cast<int>(std::ceil(roundedLog(widest) / roundedLog(sxStep_)));
    std::vector<Box> boxes;
    for (int s = 0; s < sxNum; s++) {
      for (int a = 0; a < 2 * ayRad + 1; a++) {
        const float ay = roundedPow(ayStep_, a - ayRad);
        const float sx = minSize * roundedPow(sxStep_, s);
        const int bh = static_cast<int>(sx / ay);
        const int ky = std::max(2, static_cast<int>(static_cast<float>(bh) * xyStepRatio_));
        const int bw = static_cast<int>(sx * ay);
        const int kx = std::max(2, static_cast<int>(static_cast<float>(bw) * xyStepRatio_));
        for (int x = 0; x < w - bw + kx; x += kx)
          for (int y = 0; y < h - bh + ky; y += ky) boxes.push_back({x, y, bw, bh, 0.0f});
      }
    }
    size_t k = 0;
    for (Box& box : boxes) {
      scoreBox(box);
      if (box.score == 0 || std::isnan(box.score)) continue;  // the TypeScript's !score
      k++;
      refineBox(box);
    }
    sortDescending(boxes);
    boxes.resize(k);
    return boxes;
  }

  std::vector<Box> nms(std::vector<Box> boxes) {
    sortDescending(boxes);
    float thr = o_.beta;
    const float eta = o_.eta;
    const double maxBoxes = o_.maxBoxes;
    if (thr > 0.99f) return boxes;
    const int nBin = 10000;
    const float step = 1 / thr;
    const float lstep = roundedLog(step);
    std::vector<std::vector<Box>> kept(nBin + 1);
    size_t i = 0;
    double m = 0;
    int d = 1;
    while (i < boxes.size() && m < maxBoxes) {
      const Box& box = boxes[i];
      bool keep = true;
      const float bin = std::ceil(roundedLog(static_cast<float>(box.w * box.h)) / lstep);
      const int b = !(bin >= d) ? d : bin > nBin - d ? nBin - d : static_cast<int>(bin);
      for (int j = b - d; j <= b + d && keep; j++) {
        for (const Box& other : kept[j]) {
          if (!(overlap(box, other) <= thr)) {
            keep = false;
            break;
          }
        }
      }
      if (keep) {
        kept[b].push_back(box);
        m++;
      }
      i++;
      if (keep && eta < 1 && thr > 0.5f) {
        thr = thr * eta;
        d = static_cast<int>(std::ceil(roundedLog(1 / thr) / lstep));
      }
    }
    std::vector<Box> out;
    for (int j = 0; j < nBin; j++)
      for (const Box& box : kept[j]) out.push_back(box);
    sortDescending(out);
    return out;
  }

  const int w_, h_;
  const Options o_;
  std::vector<float> E_, O_;
  std::vector<int> S_;
  int segCnt_ = 0;
  std::vector<float> segMag_;
  std::vector<int> segPx_, segPy_;
  std::vector<std::vector<float>> aff_;
  std::vector<std::vector<int>> affIdx_;
  std::vector<float> segIImg_, magIImg_;
  std::vector<int> hIdxImg_, vIdxImg_;
  std::vector<std::vector<int>> hIdxs_, vIdxs_;
  std::vector<float> sWts_;
  std::vector<int> sDone_, sMap_, sIds_;
  int sId_ = 0;
  std::vector<float> scaleNorm_;
  float sxStep_ = 0, ayStep_ = 0, xyStepRatio_ = 0;
};

/**
 * (edges, orientation, width, height, options Float64Array [alpha, beta, eta, minScore,
 * maxBoxes, edgeMinMag, edgeMergeThr, clusterMinMag, maxAspectRatio, minBoxArea, gamma, kappa])
 * → [boxes xyxy Float32Array, scores Float32Array].
 */
Napi::Value EdgeBoxes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array edges = info[0].As<Napi::Float32Array>();
  Napi::Float32Array orientation = info[1].As<Napi::Float32Array>();
  const int width = info[2].As<Napi::Number>().Int32Value();
  const int height = info[3].As<Napi::Number>().Int32Value();
  Napi::Float64Array optionArray = info[4].As<Napi::Float64Array>();
  const size_t pixels = static_cast<size_t>(width) * height;
  if (edges.ElementLength() != pixels || orientation.ElementLength() != pixels) {
    throw Napi::RangeError::New(env, "edgeBoxes: edge maps are not width × height");
  }
  if (optionArray.ElementLength() != 12) {
    throw Napi::RangeError::New(env, "edgeBoxes: expected 12 options");
  }
  const double* v = optionArray.Data();
  auto f = [](double x) { return static_cast<float>(x); };
  const Options options{f(v[0]), f(v[1]), f(v[2]), f(v[3]), v[4], f(v[5]),
                        f(v[6]), f(v[7]), f(v[8]), f(v[9]), f(v[10]), f(v[11])};
  EdgeBoxSearch search(edges.Data(), orientation.Data(), width, height, options);
  const std::vector<Box> kept = search.run();
  Napi::Float32Array boxes = Napi::Float32Array::New(env, kept.size() * 4);
  Napi::Float32Array scores = Napi::Float32Array::New(env, kept.size());
  for (size_t i = 0; i < kept.size(); i++) {
    boxes[i * 4] = static_cast<float>(kept[i].x);
    boxes[i * 4 + 1] = static_cast<float>(kept[i].y);
    boxes[i * 4 + 2] = static_cast<float>(kept[i].x + kept[i].w);
    boxes[i * 4 + 3] = static_cast<float>(kept[i].y + kept[i].h);
    scores[i] = kept[i].score;
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, boxes);
  result.Set(1u, scores);
  return result;
}

}  // namespace

void registerProposalEdgeBoxes(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "proposalsEdgeBoxes", EdgeBoxes);
}

}  // namespace ssdet
