// Felzenszwalb–Huttenlocher with OpenCV's semantics (ximgproc GraphSegmentation), the steps the
// TypeScript `gaussianBlurOpenCv`, `buildOpenCvGraph` and `segmentOpenCvGraph` take, on typed
// arrays. Binary32 throughout; the blur's fused multiply-adds are std::fma, the rest rounds after
// every operation as the TypeScript's Math.fround does.
#include <algorithm>
#include <cmath>
#include <vector>

#include "dnnl_context.h"
#include "proposals.h"

namespace ssdet {
namespace {

int reflect101(int i, int n) {
  if (n == 1) return 0;
  int j = i;
  while (j < 0 || j >= n) {
    if (j < 0) j = -j;
    if (j >= n) j = 2 * n - 2 - j;
  }
  return j;
}

/** (image, width, height, channels, kernel) → blurred copy: rows with FMAs, then columns. */
Napi::Value GaussianBlur(const Napi::CallbackInfo& info) {
  Napi::Float32Array image = info[0].As<Napi::Float32Array>();
  const int width = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  const int channels = info[3].As<Napi::Number>().Int32Value();
  Napi::Float32Array kernelArray = info[4].As<Napi::Float32Array>();
  const size_t length = static_cast<size_t>(width) * height * channels;
  if (image.ElementLength() != length) {
    throw Napi::RangeError::New(info.Env(), "gaussianBlur: image length is not w·h·channels");
  }
  const float* in = image.Data();
  const float* kernel = kernelArray.Data();
  const int taps = static_cast<int>(kernelArray.ElementLength());
  const int radius = (taps - 1) >> 1;
  std::vector<float> afterRows(length);
  std::vector<float> row(width + 2 * radius);
  for (int y = 0; y < height; y++) {
    for (int c = 0; c < channels; c++) {
      for (int x = -radius; x < width + radius; x++) {
        row[x + radius] = in[(static_cast<size_t>(y) * width + reflect101(x, width)) * channels + c];
      }
      for (int x = 0; x < width; x++) {
        float sum = row[x] * kernel[0];
        for (int k = 1; k < taps; k++) sum = std::fma(row[x + k], kernel[k], sum);
        afterRows[(static_cast<size_t>(y) * width + x) * channels + c] = sum;
      }
    }
  }
  Napi::Float32Array result = Napi::Float32Array::New(info.Env(), length);
  float* out = result.Data();
  std::vector<float> column(height + 2 * radius);
  for (int x = 0; x < width; x++) {
    for (int c = 0; c < channels; c++) {
      for (int y = -radius; y < height + radius; y++) {
        column[y + radius] =
            afterRows[(static_cast<size_t>(reflect101(y, height)) * width + x) * channels + c];
      }
      for (int y = 0; y < height; y++) {
        const int centre = y + radius;
        float sum = column[centre] * kernel[radius];
        for (int j = 1; j <= radius; j++) {
          const float pair = column[centre + j] + column[centre - j];
          sum = std::fma(pair, kernel[radius + j], sum);
        }
        out[(static_cast<size_t>(y) * width + x) * channels + c] = sum;
      }
    }
  }
  return result;
}

struct WeightedEdge {
  float weight;
  int32_t id;
};

/**
 * (smooth, width, height, channels) → [weights, edgeIds]: the 4-connected graph listed from every
 * pixel towards up, left, down, right, id = pixel · 4 + direction, sorted by std::sort on weight.
 */
Napi::Value OpenCvGraphEdges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array smoothArray = info[0].As<Napi::Float32Array>();
  const int width = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  const int channels = info[3].As<Napi::Number>().Int32Value();
  if (smoothArray.ElementLength() != static_cast<size_t>(width) * height * channels) {
    throw Napi::RangeError::New(env, "openCvGraphEdges: image length is not w·h·channels");
  }
  const float* smooth = smoothArray.Data();
  static const int dy[4] = {-1, 0, 1, 0};
  static const int dx[4] = {0, -1, 0, 1};
  std::vector<WeightedEdge> edges;
  edges.reserve(static_cast<size_t>(width) * height * 4);
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      const int p = y * width + x;
      for (int d = 0; d < 4; d++) {
        const int y2 = y + dy[d];
        const int x2 = x + dx[d];
        if (y2 < 0 || y2 >= height || x2 < 0 || x2 >= width) continue;
        const int q = y2 * width + x2;
        float total = 0;
        for (int c = 0; c < channels; c++) {
          const float diff = smooth[p * channels + c] - smooth[q * channels + c];
          const float square = diff * diff;
          total = total + square;
        }
        edges.push_back({std::sqrt(total), p * 4 + d});
      }
    }
  }
  std::sort(edges.begin(), edges.end(),
            [](const WeightedEdge& a, const WeightedEdge& b) { return a.weight < b.weight; });
  Napi::Float32Array weights = Napi::Float32Array::New(env, edges.size());
  Napi::Int32Array ids = Napi::Int32Array::New(env, edges.size());
  for (size_t i = 0; i < edges.size(); i++) {
    weights[i] = edges[i].weight;
    ids[i] = edges[i].id;
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, weights);
  result.Set(1u, ids);
  return result;
}

/** Union–find with union by size and path halving, as the TypeScript DisjointSet. */
class DisjointSet {
 public:
  explicit DisjointSet(int n) : parent_(n), size_(n, 1) {
    for (int i = 0; i < n; i++) parent_[i] = i;
  }
  int find(int p) {
    int x = p;
    while (parent_[x] != x) {
      const int grand = parent_[parent_[x]];
      parent_[x] = grand;
      x = grand;
    }
    return x;
  }
  int unite(int rootA, int rootB) {
    int a = rootA;
    int b = rootB;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
    return a;
  }
  int size(int root) const { return size_[root]; }

 private:
  std::vector<int> parent_;
  std::vector<int> size_;
};

/** (weights, edgeIds, width, height, k, minSize) → every pixel's root (Int32Array). */
Napi::Value OpenCvGraphSegment(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array weightArray = info[0].As<Napi::Float32Array>();
  Napi::Int32Array idArray = info[1].As<Napi::Int32Array>();
  const int width = info[2].As<Napi::Number>().Int32Value();
  const int height = info[3].As<Napi::Number>().Int32Value();
  const float k = static_cast<float>(info[4].As<Napi::Number>().DoubleValue());
  const double minSize = info[5].As<Napi::Number>().DoubleValue();
  const size_t count = idArray.ElementLength();
  if (weightArray.ElementLength() != count) {
    throw Napi::RangeError::New(env, "openCvGraphSegment: weights and edgeIds differ in length");
  }
  const int n = width * height;
  const int32_t* ids = idArray.Data();
  std::vector<float> keys(weightArray.Data(), weightArray.Data() + count);
  const int offset[4] = {-width, -1, width, 1};
  DisjointSet sets(n);
  std::vector<float> thresholds(n, k);
  for (size_t i = 0; i < count; i++) {
    const int id = ids[i];
    const int p = id >> 2;
    const int a = sets.find(p);
    const int b = sets.find(p + offset[id & 3]);
    if (a == b) continue;
    const float w = keys[i];
    if (w <= thresholds[a] && w <= thresholds[b]) {
      const int root = sets.unite(a, b);
      const float share = k / static_cast<float>(sets.size(root));
      thresholds[root] = w + share;
      keys[i] = 0;
    }
  }
  for (size_t i = 0; i < count; i++) {
    if (!(keys[i] > 0)) continue;
    const int id = ids[i];
    const int p = id >> 2;
    const int a = sets.find(p);
    const int b = sets.find(p + offset[id & 3]);
    if (a != b && (sets.size(a) < minSize || sets.size(b) < minSize)) sets.unite(a, b);
  }
  Napi::Int32Array roots = Napi::Int32Array::New(env, n);
  for (int i = 0; i < n; i++) roots[i] = sets.find(i);
  return roots;
}

}  // namespace

void registerProposalSegmentation(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "proposalsGaussianBlur", GaussianBlur);
  exportFunction(env, exports, "proposalsOpenCvGraphEdges", OpenCvGraphEdges);
  exportFunction(env, exports, "proposalsOpenCvGraphSegment", OpenCvGraphSegment);
}

}  // namespace ssdet
