// Softmax over the last axis, as tfjs-backend-cpu computes it — exp(x − max) / Σ exp(x − max) per
// row — in one pass over each row instead of five kernels (max, sub, exp, sum, div).
#include "softmax.h"

#include <algorithm>
#include <cmath>

#include "dnnl_context.h"

namespace ssdet {
namespace {

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Attrs attrs(info, 1, "softmax");
  const int64_t rows = attrs.getInt("rows", 0);
  const int64_t cols = attrs.getInt("cols", 1);
  const float* x = floatsArg(info, 0, rows * cols, "logits");
  auto out = newFloats(env, rows * cols);
  float* y = out.Data();
  SerialScope scope(rows * cols < kSerialElements);
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* o = y + r * cols;
    float max = in[0];
    for (int64_t c = 1; c < cols; ++c) max = std::max(max, in[c]);
    float sum = 0;
    for (int64_t c = 0; c < cols; ++c) {
      o[c] = std::exp(in[c] - max);
      sum += o[c];
    }
    for (int64_t c = 0; c < cols; ++c) o[c] /= sum;
  }
  return out;
}

}  // namespace

void registerSoftmax(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "softmax", Softmax);
}

}  // namespace ssdet
