// Training-mode batch normalisation over the last (channel) axis and its gradient, as single
// oneDNN primitives: y = γ·(x − μ)/√(σ² + ε) + β with the batch mean μ and biased variance σ² over
// every other axis; backward gives ∂x, ∂γ, ∂β. The input is described as NHWC [n, h, w, c]; any
// other rank is flattened to [rows, 1, 1, c] by the caller.
#include "batch_norm.h"

#include <cstring>

#include "dnnl_context.h"

namespace ssdet {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;
const auto kFlags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;

struct BatchNormShape {
  int64_t n, h, w, c;
  float eps;

  static BatchNormShape from(const Napi::CallbackInfo& info, size_t shapeIndex, size_t epsIndex) {
    auto s = intsArg(info, shapeIndex, "shape");
    if (s.size() != 4) throw Napi::RangeError::New(info.Env(), "batch-norm shape needs 4 integers");
    return {s[0], s[1], s[2], s[3], static_cast<float>(numberArg(info, epsIndex, "epsilon"))};
  }
  memory::desc data() const { return {{n, c, h, w}, f32, tag::nhwc}; }
  memory::desc channels() const { return {{c}, f32, tag::a}; }
  int64_t size() const { return n * h * w * c; }
  std::string key(const char* name) const {
    int32_t epsBits;
    std::memcpy(&epsBits, &eps, sizeof epsBits);
    return cacheKey(name, {n, h, w, c, epsBits});
  }
  dnnl::batch_normalization_forward::primitive_desc forward() const {
    return {{dnnl::prop_kind::forward_training, data(), eps, kFlags}, cpuEngine()};
  }
};

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto s = BatchNormShape::from(info, 3, 4);
  SerialScope scope(s.size() < kSerialElements);
  float* x = floatsArg(info, 0, s.size(), "x");
  float* scale = floatsArg(info, 1, s.c, "scale");
  float* shift = floatsArg(info, 2, s.c, "offset");
  auto primitive = cached<dnnl::batch_normalization_forward>(s.key("bn_fwd"), [&] {
    return dnnl::batch_normalization_forward(s.forward());
  });
  auto y = newFloats(env, s.size());
  auto mean = newFloats(env, s.c);
  auto variance = newFloats(env, s.c);
  auto& engine = cpuEngine();
  auto& stream = cpuStream();
  primitive->execute(stream, {{DNNL_ARG_SRC, memory(s.data(), engine, x)},
                              {DNNL_ARG_DST, memory(s.data(), engine, y.Data())},
                              {DNNL_ARG_SCALE, memory(s.channels(), engine, scale)},
                              {DNNL_ARG_SHIFT, memory(s.channels(), engine, shift)},
                              {DNNL_ARG_MEAN, memory(s.channels(), engine, mean.Data())},
                              {DNNL_ARG_VARIANCE, memory(s.channels(), engine, variance.Data())}});
  stream.wait();
  auto result = Napi::Array::New(env, 3);
  result.Set(0u, y);
  result.Set(1u, mean);
  result.Set(2u, variance);
  return result;
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto s = BatchNormShape::from(info, 5, 6);
  SerialScope scope(s.size() < kSerialElements);
  float* x = floatsArg(info, 0, s.size(), "x");
  float* dy = floatsArg(info, 1, s.size(), "dy");
  float* scale = floatsArg(info, 2, s.c, "scale");
  float* mean = floatsArg(info, 3, s.c, "mean");
  float* variance = floatsArg(info, 4, s.c, "variance");
  auto primitive = cached<dnnl::batch_normalization_backward>(s.key("bn_bwd"), [&] {
    dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, s.data(), s.data(),
                                                  s.eps, kFlags);
    return dnnl::batch_normalization_backward({desc, cpuEngine(), s.forward()});
  });
  auto dx = newFloats(env, s.size());
  auto dscale = newFloats(env, s.c);
  auto dshift = newFloats(env, s.c);
  // oneDNN 2.6's backward pass checks that a shift argument is bound although it never reads it.
  std::vector<float> unusedShift(static_cast<size_t>(s.c), 0.f);
  auto& engine = cpuEngine();
  auto& stream = cpuStream();
  primitive->execute(stream, {{DNNL_ARG_SRC, memory(s.data(), engine, x)},
                              {DNNL_ARG_SHIFT, memory(s.channels(), engine, unusedShift.data())},
                              {DNNL_ARG_DIFF_DST, memory(s.data(), engine, dy)},
                              {DNNL_ARG_SCALE, memory(s.channels(), engine, scale)},
                              {DNNL_ARG_MEAN, memory(s.channels(), engine, mean)},
                              {DNNL_ARG_VARIANCE, memory(s.channels(), engine, variance)},
                              {DNNL_ARG_DIFF_SRC, memory(s.data(), engine, dx.Data())},
                              {DNNL_ARG_DIFF_SCALE, memory(s.channels(), engine, dscale.Data())},
                              {DNNL_ARG_DIFF_SHIFT, memory(s.channels(), engine, dshift.Data())}});
  stream.wait();
  auto result = Napi::Array::New(env, 3);
  result.Set(0u, dx);
  result.Set(1u, dscale);
  result.Set(2u, dshift);
  return result;
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "batchNormForward", BatchNormForward);
  exportFunction(env, exports, "batchNormBackward", BatchNormBackward);
}

}  // namespace ssdet
