// Layer normalisation over the last axis and its gradient, `@ssdet/core`'s SsdetLayerNorm and
// SsdetLayerNormGrad, one pass over each row per direction (rows split across threads):
//
//   forward:  μ = mean(x), rstd = 1/√(mean((x − μ)²) + ε), x̂ = (x − μ)·rstd, y = x̂·γ + β
//   backward: g = dy·γ, dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ_rows dy·x̂, dβ = Σ_rows dy
//
// Row statistics and the means of the backward pass are accumulated in double; dγ and dβ in one
// double partial per thread, merged at the end.
#include "layer_norm.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "attrs.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

/** LayerNormAttrs (src/native-addon.ts): data viewed as [rows, cols], normalised along cols. */
struct LayerNormShape {
  int64_t rows, cols;
  double epsilon;

  static LayerNormShape read(const Napi::CallbackInfo& info, size_t index, const char* kernel) {
    const Attrs a(info, index, kernel);
    return {a.getInt("rows", 0), a.getInt("cols", 1), a.getNumber("epsilon")};
  }
  int64_t size() const { return rows * cols; }
};

/** layerNorm(x, gamma, beta, attrs) → [y, mean, rstd]. */
Napi::Value LayerNormForward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto s = LayerNormShape::read(info, 3, "layerNorm");
  const float* x = floatsArg(info, 0, s.size(), "x");
  const float* gamma = floatsArg(info, 1, s.cols, "gamma");
  const float* beta = floatsArg(info, 2, s.cols, "beta");
  auto y = newFloats(env, s.size());
  auto mean = newFloats(env, s.rows);
  auto rstd = newFloats(env, s.rows);
  float* out = y.Data();
  float* means = mean.Data();
  float* rstds = rstd.Data();
  SerialScope serial(s.size() < kSerialElements);
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < s.rows; ++r) {
    const float* row = x + r * s.cols;
    double sum = 0;
    for (int64_t c = 0; c < s.cols; ++c) sum += row[c];
    const double mu = sum / static_cast<double>(s.cols);
    double squares = 0;
    for (int64_t c = 0; c < s.cols; ++c) {
      const double centred = row[c] - mu;
      squares += centred * centred;
    }
    const auto m = static_cast<float>(mu);
    const auto inv = static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(s.cols) + s.epsilon));
    means[r] = m;
    rstds[r] = inv;
    float* o = out + r * s.cols;
    for (int64_t c = 0; c < s.cols; ++c) o[c] = (row[c] - m) * inv * gamma[c] + beta[c];
  }
  return outputArray(env, {y, mean, rstd});
}

/** layerNormGrad(dy, x, gamma, mean, rstd, attrs) → [dx, dgamma, dbeta]. */
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto s = LayerNormShape::read(info, 5, "layerNormGrad");
  const float* dy = floatsArg(info, 0, s.size(), "dy");
  const float* x = floatsArg(info, 1, s.size(), "x");
  const float* gamma = floatsArg(info, 2, s.cols, "gamma");
  const float* mean = floatsArg(info, 3, s.rows, "mean");
  const float* rstd = floatsArg(info, 4, s.rows, "rstd");
  auto dx = newFloats(env, s.size());
  auto dgamma = newFloats(env, s.cols);
  auto dbeta = newFloats(env, s.cols);
  float* dxs = dx.Data();
  const int threads = s.size() < kSerialElements ? 1 : omp_get_max_threads();
  std::vector<double> partial(static_cast<size_t>(threads) * 2 * s.cols, 0.0);
#pragma omp parallel num_threads(threads)
  {
    // This thread's Σ dy·x̂ and Σ dy, in its own block of `partial`, written once at the end.
    std::vector<double> sums(static_cast<size_t>(2 * s.cols), 0.0);
    std::vector<float> normalised(static_cast<size_t>(s.cols));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < s.rows; ++r) {
      const float* xr = x + r * s.cols;
      const float* dyr = dy + r * s.cols;
      const float m = mean[r], inv = rstd[r];
      double sumG = 0, sumGX = 0;
      for (int64_t c = 0; c < s.cols; ++c) {
        const float xhat = (xr[c] - m) * inv;
        const float g = dyr[c] * gamma[c];
        normalised[c] = xhat;
        sumG += g;
        sumGX += static_cast<double>(g) * xhat;
        sums[c] += static_cast<double>(dyr[c]) * xhat;
        sums[s.cols + c] += dyr[c];
      }
      const auto meanG = static_cast<float>(sumG / static_cast<double>(s.cols));
      const auto meanGX = static_cast<float>(sumGX / static_cast<double>(s.cols));
      float* dxr = dxs + r * s.cols;
      for (int64_t c = 0; c < s.cols; ++c) {
        dxr[c] = inv * (dyr[c] * gamma[c] - meanG - normalised[c] * meanGX);
      }
    }
    std::copy(sums.begin(), sums.end(),
              partial.begin() + static_cast<int64_t>(omp_get_thread_num()) * 2 * s.cols);
  }
  for (int64_t c = 0; c < s.cols; ++c) {
    double g = 0, b = 0;
    for (int t = 0; t < threads; ++t) {
      g += partial[static_cast<size_t>(t) * 2 * s.cols + c];
      b += partial[static_cast<size_t>(t) * 2 * s.cols + s.cols + c];
    }
    dgamma.Data()[c] = static_cast<float>(g);
    dbeta.Data()[c] = static_cast<float>(b);
  }
  return outputArray(env, {dx, dgamma, dbeta});
}

}  // namespace

void registerLayerNorm(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "layerNorm", LayerNormForward);
  exportFunction(env, exports, "layerNormGrad", LayerNormBackward);
}

}  // namespace ssdet
