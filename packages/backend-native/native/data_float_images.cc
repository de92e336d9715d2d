// The float image kernels of @ssdet/data: torchvision's Gaussian blur (tensor path), the
// antialiased bilinear resampling of a view's crop and torchvision's hue adjustment, as the
// TypeScript `gaussianBlur`, `resampleRegion` and `adjustHue` compute them: every sum and
// product in double, rounded to binary32 wherever the TypeScript stores into a Float32Array.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "data_images.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

/** target[i] ← binary32(target[i] + weight · source[i]), the sum and product in double. */
SSDET_DATA_CLONES void accumulate(float* __restrict target, const float* __restrict source,
                                  double weight, size_t count) {
  for (size_t i = 0; i < count; i++) {
    target[i] = static_cast<float>(static_cast<double>(target[i]) +
                                   weight * static_cast<double>(source[i]));
  }
}

/** For padded positions 0 … n + 2·pad − 1, the source index under reflect padding. */
std::vector<int32_t> reflectIndices(int n, int pad) {
  std::vector<int32_t> indices(static_cast<size_t>(n) + 2 * pad);
  const int period = 2 * (n - 1);
  for (size_t i = 0; i < indices.size(); i++) {
    if (n == 1) {
      indices[i] = 0;
      continue;
    }
    int j = std::abs(static_cast<int>(i) - pad) % period;
    if (j >= n) j = period - j;
    indices[i] = j;
  }
  return indices;
}

void requireLength(Napi::Env env, size_t actual, size_t expected, const char* what) {
  if (actual != expected) throw Napi::RangeError::New(env, what);
}

/**
 * (image, width, height, taps) → blurred copy of an RGB float image: torchvision's separable
 * kernel with reflect padding, `taps` the kept (odd count, centred) double weights; rows, then
 * columns, each tap one rounded multiply–add sweep.
 */
Napi::Value GaussianBlur(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Float32Array image = info[0].As<Napi::Float32Array>();
  const int width = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  Napi::Float64Array tapArray = info[3].As<Napi::Float64Array>();
  const size_t stride = static_cast<size_t>(width) * 3;
  const size_t length = stride * height;
  requireLength(env, image.ElementLength(), length, "dataGaussianBlur: image length is not w·h·3");
  const int taps = static_cast<int>(tapArray.ElementLength());
  if (taps % 2 != 1) throw Napi::RangeError::New(env, "dataGaussianBlur: tap count must be odd");
  const int reach = (taps - 1) / 2;
  const double* weights = tapArray.Data();
  const float* in = image.Data();
  if (width <= 0 || height <= 0) return Napi::Float32Array::New(env, 0);

  std::vector<float> horizontal(length, 0.0f);
  std::vector<float> padded((static_cast<size_t>(width) + 2 * reach) * 3);
  const std::vector<int32_t> columnIndex = reflectIndices(width, reach);
  for (int y = 0; y < height; y++) {
    const float* row = in + y * stride;
    for (size_t i = 0; i < columnIndex.size(); i++) {
      std::memcpy(&padded[3 * i], row + static_cast<size_t>(columnIndex[i]) * 3, 3 * sizeof(float));
    }
    float* target = horizontal.data() + y * stride;
    for (int k = 0; k < taps; k++) accumulate(target, padded.data() + 3 * k, weights[k], stride);
  }
  Napi::Float32Array result = Napi::Float32Array::New(env, length);
  float* out = result.Data();
  std::memset(out, 0, length * sizeof(float));
  const std::vector<int32_t> rowIndex = reflectIndices(height, reach);
  for (int y = 0; y < height; y++) {
    float* target = out + y * stride;
    for (int k = 0; k < taps; k++) {
      accumulate(target, horizontal.data() + static_cast<size_t>(rowIndex[y + k]) * stride,
                 weights[k], stride);
    }
  }
  return result;
}

/** One axis of the resampling filter, as the TypeScript `filterTaps` lays it out. */
struct FilterTaps {
  const int32_t* start;
  const int32_t* count;
  const int32_t* offset;
  const double* weights;
  size_t weightCount;
};

FilterTaps readTaps(Napi::Env env, const Napi::Object& taps, int outSize, int inSize) {
  Napi::Int32Array start = taps.Get("start").As<Napi::Int32Array>();
  Napi::Int32Array count = taps.Get("count").As<Napi::Int32Array>();
  Napi::Int32Array offset = taps.Get("offset").As<Napi::Int32Array>();
  Napi::Float64Array weights = taps.Get("weights").As<Napi::Float64Array>();
  const size_t n = static_cast<size_t>(outSize);
  if (start.ElementLength() != n || count.ElementLength() != n || offset.ElementLength() != n) {
    throw Napi::RangeError::New(env, "dataResampleRegion: filter taps do not match the output size");
  }
  FilterTaps result{start.Data(), count.Data(), offset.Data(), weights.Data(),
                    weights.ElementLength()};
  for (size_t i = 0; i < n; i++) {
    if (result.start[i] < 0 || result.count[i] < 0 || result.start[i] + result.count[i] > inSize ||
        result.offset[i] < 0 ||
        static_cast<size_t>(result.offset[i]) + result.count[i] > result.weightCount) {
      throw Napi::RangeError::New(env, "dataResampleRegion: a filter tap is out of range");
    }
  }
  return result;
}

constexpr int kRowBlock = 4;

/**
 * The horizontal pass of `resampleRegion` for `Rows` consecutive input rows from `firstRow`:
 * per output pixel and channel, r = 0 + Σₖ wₖ · pixelₖ in double in tap order, stored as float.
 */
template <int Rows>
void resampleRows(const uint8_t* pixels, int imageWidth, int regionX, int firstRow, int outWidth,
                  const FilterTaps& columns, bool flipped, float* target) {
  const size_t rowBytes = static_cast<size_t>(imageWidth) * 3;
  const size_t stride = static_cast<size_t>(outWidth) * 3;
  const uint8_t* source =
      pixels + static_cast<size_t>(firstRow) * rowBytes + static_cast<size_t>(regionX) * 3;
  for (int x = 0; x < outWidth; x++) {
    const uint8_t* from = source + static_cast<size_t>(columns.start[x]) * 3;
    const double* weight = columns.weights + columns.offset[x];
    const int count = columns.count[x];
    double sums[Rows][3] = {};
    for (int k = 0; k < count; k++) {
      const double w = weight[k];
      for (int j = 0; j < Rows; j++) {
        const uint8_t* at = from + j * rowBytes + 3 * k;
        sums[j][0] += w * at[0];
        sums[j][1] += w * at[1];
        sums[j][2] += w * at[2];
      }
    }
    const size_t column = static_cast<size_t>(flipped ? outWidth - 1 - x : x) * 3;
    for (int j = 0; j < Rows; j++) {
      float* to = target + j * stride + column;
      to[0] = static_cast<float>(sums[j][0]);
      to[1] = static_cast<float>(sums[j][1]);
      to[2] = static_cast<float>(sums[j][2]);
    }
  }
}

/**
 * (pixels, imageWidth, imageHeight, region [x, y, w, h], outWidth, outHeight, columns, rows,
 * flipped) → float RGB in [0, 1]: the antialiased bilinear resampling of `resampleRegion`, rows
 * then columns, mirrored left–right when `flipped` (each output value is computed as without the
 * mirror, only stored at the mirrored column).
 */
Napi::Value ResampleRegion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array pixelArray = info[0].As<Napi::Uint8Array>();
  const int imageWidth = info[1].As<Napi::Number>().Int32Value();
  const int imageHeight = info[2].As<Napi::Number>().Int32Value();
  Napi::Int32Array regionArray = info[3].As<Napi::Int32Array>();
  const int outWidth = info[4].As<Napi::Number>().Int32Value();
  const int outHeight = info[5].As<Napi::Number>().Int32Value();
  const bool flipped = info[8].As<Napi::Boolean>().Value();
  requireLength(env, pixelArray.ElementLength(), static_cast<size_t>(imageWidth) * imageHeight * 3,
                "dataResampleRegion: pixels length is not w·h·3");
  requireLength(env, regionArray.ElementLength(), 4, "dataResampleRegion: region is not [x, y, w, h]");
  const int32_t* region = regionArray.Data();
  const int rx = region[0], ry = region[1], rw = region[2], rh = region[3];
  if (rx < 0 || ry < 0 || rw <= 0 || rh <= 0 || rx + rw > imageWidth || ry + rh > imageHeight ||
      outWidth < 0 || outHeight < 0) {
    throw Napi::RangeError::New(env, "dataResampleRegion: region outside the image");
  }
  const FilterTaps columns = readTaps(env, info[6].As<Napi::Object>(), outWidth, rw);
  const FilterTaps rows = readTaps(env, info[7].As<Napi::Object>(), outHeight, rh);
  const uint8_t* pixels = pixelArray.Data();

  const size_t stride = static_cast<size_t>(outWidth) * 3;
  std::vector<float> horizontal(static_cast<size_t>(rh) * stride);
  // Rows in blocks of four: each output value is still its own sequential sum over the taps,
  // but twelve independent sums per tap keep the adder busy instead of waiting on one chain.
  int y = 0;
  for (; y + kRowBlock <= rh; y += kRowBlock) {
    resampleRows<kRowBlock>(pixels, imageWidth, rx, ry + y, outWidth, columns, flipped,
                            horizontal.data() + y * stride);
  }
  for (; y < rh; y++) {
    resampleRows<1>(pixels, imageWidth, rx, ry + y, outWidth, columns, flipped,
                    horizontal.data() + y * stride);
  }
  const size_t length = stride * outHeight;
  Napi::Float32Array result = Napi::Float32Array::New(env, length);
  float* out = result.Data();
  std::memset(out, 0, length * sizeof(float));
  for (int y = 0; y < outHeight; y++) {
    const double* weight = rows.weights + rows.offset[y];
    const float* source = horizontal.data() + static_cast<size_t>(rows.start[y]) * stride;
    for (int k = 0; k < rows.count[y]; k++) {
      accumulate(out + y * stride, source + k * stride, weight[k] / 255, stride);
    }
  }
  return result;
}

/** JavaScript's Math.max of two doubles (NaN wins; +0 beats −0). */
inline double jsMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  const double larger = a > b ? a : b;
  // Equal values are the same number except for ±0, where +0 wins.
  return a == b ? (std::signbit(a) ? b : a) : larger;
}

/** JavaScript's Math.min of two doubles (NaN wins; −0 beats +0). */
inline double jsMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  const double smaller = a < b ? a : b;
  return a == b ? (std::signbit(a) ? a : b) : smaller;
}

double clampUnit(double value) { return value < 0 ? 0 : value > 1 ? 1 : value; }

/** (image, factor): torchvision's `adjust_hue` on RGB floats, in place (TypeScript `adjustHue`). */
Napi::Value AdjustHue(const Napi::CallbackInfo& info) {
  Napi::Float32Array image = info[0].As<Napi::Float32Array>();
  const double factor = info[1].As<Napi::Number>().DoubleValue();
  float* data = image.Data();
  const size_t length = image.ElementLength() - image.ElementLength() % 3;
  for (size_t i = 0; i < length; i += 3) {
    const double r = data[i];
    const double g = data[i + 1];
    const double b = data[i + 2];
    const double maxc = jsMax(jsMax(r, g), b);
    const double minc = jsMin(jsMin(r, g), b);
    const double chroma = maxc - minc;
    const bool equal = maxc == minc;
    const double s = chroma / (equal ? 1 : maxc);
    const double divisor = equal ? 1 : chroma;
    const double rc = (maxc - r) / divisor;
    const double gc = (maxc - g) / divisor;
    const double bc = (maxc - b) / divisor;
    // All three candidates, then a select: no branch on which channel is the largest.
    const double hr = bc - gc;
    const double hg = 2 + rc - bc;
    const double hb = 4 + gc - rc;
    double h = maxc == r ? hr : maxc == g ? hg : hb;
    h = exactFmodOne(h / 6 + 1);
    h = exactFmodOne(h + factor);
    if (h < 0) h += 1;
    const double v = maxc;
    const double scaled = h * 6;
    const double sector = exactFloor(scaled);
    const double f = scaled - sector;
    const float p = static_cast<float>(clampUnit(v * (1 - s)));
    const float q = static_cast<float>(clampUnit(v * (1 - s * f)));
    const float t = static_cast<float>(clampUnit(v * (1 - s * (1 - f))));
    const float values[4] = {static_cast<float>(v), p, q, t};
    // JavaScript's ((sector % 6) + 6) % 6 of an integral double; NaN takes the default case.
    int which = 5;
    if (std::fabs(sector) < 1e15) {
      const int64_t whole = static_cast<int64_t>(sector);
      which = static_cast<int>(((whole % 6) + 6) % 6);
    }
    const uint8_t* pick = kSectorPick[which];
    data[i] = values[pick[0]];
    data[i + 1] = values[pick[1]];
    data[i + 2] = values[pick[2]];
  }
  return info.Env().Undefined();
}

}  // namespace

void registerDataFloatImages(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "dataGaussianBlur", GaussianBlur);
  exportFunction(env, exports, "dataResampleRegion", ResampleRegion);
  exportFunction(env, exports, "dataAdjustHue", AdjustHue);
}

}  // namespace ssdet
