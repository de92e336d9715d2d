// One call per variable for the optimizer updates of @ssdet/core (SGD with momentum, SoCo's LARS,
// AdamW), with the same formulas as the optimizers' tfjs-op versions, which cost several kernel
// calls and temporaries each. Inputs are never written; new arrays are returned.
#include "optimizer_updates.h"

#include <cmath>

#include "dnnl_context.h"

namespace ssdet {
namespace {

size_t lengthOf(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "variable must be a Float32Array");
  return info[0].As<Napi::TypedArray>().ElementLength();
}

Napi::Array pair(Napi::Env env, Napi::Value a, Napi::Value b) {
  auto out = Napi::Array::New(env, 2);
  out.Set(uint32_t{0}, a);
  out.Set(uint32_t{1}, b);
  return out;
}

/** d = g + λw; b ← μb + d; w ← w − lr·(nesterov ? d + μb : b). */
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto n = static_cast<int64_t>(lengthOf(info));
  const float* w = floatsArg(info, 0, n, "variable");
  const float* g = floatsArg(info, 1, n, "gradient");
  const float* b = floatsArg(info, 2, n, "buffer");
  const auto lr = static_cast<float>(numberArg(info, 3, "lr"));
  const auto momentum = static_cast<float>(numberArg(info, 4, "momentum"));
  const auto decay = static_cast<float>(numberArg(info, 5, "weightDecay"));
  const bool nesterov = info[6].ToBoolean().Value();
  auto newW = newFloats(env, n);
  auto newB = newFloats(env, n);
  float* ow = newW.Data();
  float* ob = newB.Data();
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + decay * w[i];
    const float buffer = momentum * b[i] + d;
    ob[i] = buffer;
    ow[i] = w[i] - lr * (nesterov ? d + momentum * buffer : buffer);
  }
  return pair(env, newW, newB);
}

/**
 * d = g + λw; if adapted and ‖w‖, ‖d‖ > 0: d ← d·η‖w‖/(‖d‖ + ε); b ← μb + d; w ← w − lr·b.
 */
Napi::Value LarsUpdate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto n = static_cast<int64_t>(lengthOf(info));
  const float* w = floatsArg(info, 0, n, "variable");
  const float* g = floatsArg(info, 1, n, "gradient");
  const float* b = floatsArg(info, 2, n, "buffer");
  const auto lr = static_cast<float>(numberArg(info, 3, "lr"));
  const auto momentum = static_cast<float>(numberArg(info, 4, "momentum"));
  const auto decay = static_cast<float>(numberArg(info, 5, "weightDecay"));
  const auto trust = numberArg(info, 6, "trustCoefficient");
  const auto eps = numberArg(info, 7, "eps");
  const bool adapted = info[8].ToBoolean().Value();
  float scale = 1;
  if (adapted) {
    double weightSq = 0, gradientSq = 0;
#pragma omp parallel for reduction(+ : weightSq, gradientSq) schedule(static) if (n > kSerialElements)
    for (int64_t i = 0; i < n; ++i) {
      const double d = g[i] + decay * w[i];
      weightSq += static_cast<double>(w[i]) * w[i];
      gradientSq += d * d;
    }
    const double weightNorm = std::sqrt(weightSq), gradientNorm = std::sqrt(gradientSq);
    if (weightNorm > 0 && gradientNorm > 0) {
      scale = static_cast<float>(trust * weightNorm / (gradientNorm + eps));
    }
  }
  auto newW = newFloats(env, n);
  auto newB = newFloats(env, n);
  float* ow = newW.Data();
  float* ob = newB.Data();
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float buffer = momentum * b[i] + (g[i] + decay * w[i]) * scale;
    ob[i] = buffer;
    ow[i] = w[i] - lr * buffer;
  }
  return pair(env, newW, newB);
}

/**
 * t ← t + 1; w ← w(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * w ← w − lr/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + ε), with 1 − βᵗ = −expm1(t·ln β) in double.
 */
Napi::Value AdamWUpdate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto n = static_cast<int64_t>(lengthOf(info));
  const float* w = floatsArg(info, 0, n, "variable");
  const float* g = floatsArg(info, 1, n, "gradient");
  const float* m = floatsArg(info, 2, n, "expAvg");
  const float* v = floatsArg(info, 3, n, "expAvgSq");
  const float* step = floatsArg(info, 4, 1, "step");
  const double lr = numberArg(info, 5, "lr");
  const double beta1 = numberArg(info, 6, "beta1");
  const double beta2 = numberArg(info, 7, "beta2");
  const auto eps = static_cast<float>(numberArg(info, 8, "eps"));
  const double decay = numberArg(info, 9, "weightDecay");
  const float t = step[0] + 1;
  auto correction = [t](double beta) { return beta == 0 ? 1.0 : -std::expm1(t * std::log(beta)); };
  const auto stepSize = static_cast<float>(lr / correction(beta1));
  const auto rootCorrection2 = static_cast<float>(std::sqrt(correction(beta2)));
  const auto keep = static_cast<float>(1 - lr * decay);
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  auto newW = newFloats(env, n);
  auto newM = newFloats(env, n);
  auto newV = newFloats(env, n);
  auto newStep = newFloats(env, 1);
  float* ow = newW.Data();
  float* om = newM.Data();
  float* ov = newV.Data();
  newStep.Data()[0] = t;
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float mi = b1 * m[i] + (1 - b1) * g[i];
    const float vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
    om[i] = mi;
    ov[i] = vi;
    ow[i] = w[i] * keep - stepSize * (mi / (std::sqrt(vi) / rootCorrection2 + eps));
  }
  auto out = Napi::Array::New(env, 4);
  out.Set(uint32_t{0}, newW);
  out.Set(uint32_t{1}, newM);
  out.Set(uint32_t{2}, newV);
  out.Set(uint32_t{3}, newStep);
  return out;
}

}  // namespace

void registerOptimizerUpdates(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "sgdUpdate", SgdUpdate);
  exportFunction(env, exports, "larsUpdate", LarsUpdate);
  exportFunction(env, exports, "adamwUpdate", AdamWUpdate);
}

}  // namespace ssdet
