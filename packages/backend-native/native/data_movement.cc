// Copies that reshape memory: constant padding, slicing and transposition of float tensors of any
// rank. Each walks the output one innermost run at a time (a memcpy for pad and slice), with runs
// split across OpenMP threads.
#include "data_movement.h"

#include <algorithm>
#include <cstring>

#include "dnnl_context.h"

namespace ssdet {
namespace {

constexpr int64_t kParallelThreshold = kSerialElements;

dims_t stridesOf(const dims_t& shape) {
  dims_t strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

/** Offset of run `run` (an index over every axis but the last of `shape`) under `strides`. */
inline int64_t runOffset(int64_t run, const dims_t& shape, const dims_t& strides) {
  int64_t offset = 0;
  for (size_t i = shape.size() - 1; i-- > 0;) {
    int64_t index = run % shape[i];
    run /= shape[i];
    offset += index * strides[i];
  }
  return offset;
}

Napi::Value Pad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto shape = intsArg(info, 1, "shape");
  auto before = intsArg(info, 2, "before");
  auto after = intsArg(info, 3, "after");
  float value = static_cast<float>(numberArg(info, 4, "value"));
  const float* x = floatsArg(info, 0, product(shape), "x");
  if (shape.empty() || before.size() != shape.size() || after.size() != shape.size()) {
    throw Napi::RangeError::New(env, "pad needs one (before, after) pair per axis");
  }
  dims_t outShape(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) outShape[i] = shape[i] + before[i] + after[i];
  int64_t total = product(outShape);
  auto out = newFloats(env, total);
  float* o = out.Data();
  std::fill(o, o + total, value);
  dims_t outStrides = stridesOf(outShape);
  int64_t base = 0;
  for (size_t i = 0; i < shape.size(); ++i) base += before[i] * outStrides[i];
  const int64_t length = shape.back();
  const int64_t runs = length == 0 ? 0 : product(shape) / length;
#pragma omp parallel for schedule(static) if (runs * length > kParallelThreshold)
  for (int64_t run = 0; run < runs; ++run) {
    std::memcpy(o + base + runOffset(run, shape, outStrides), x + run * length,
                sizeof(float) * length);
  }
  return out;
}

Napi::Value Slice(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto shape = intsArg(info, 1, "shape");
  auto begin = intsArg(info, 2, "begin");
  auto size = intsArg(info, 3, "size");
  const float* x = floatsArg(info, 0, product(shape), "x");
  if (shape.empty() || begin.size() != shape.size() || size.size() != shape.size()) {
    throw Napi::RangeError::New(env, "slice needs a begin and a size per axis");
  }
  dims_t inStrides = stridesOf(shape);
  int64_t base = 0;
  for (size_t i = 0; i < shape.size(); ++i) base += begin[i] * inStrides[i];
  int64_t total = product(size);
  auto out = newFloats(env, total);
  float* o = out.Data();
  const int64_t length = size.back();
  const int64_t runs = length == 0 ? 0 : total / length;
#pragma omp parallel for schedule(static) if (total > kParallelThreshold)
  for (int64_t run = 0; run < runs; ++run) {
    std::memcpy(o + run * length, x + base + runOffset(run, size, inStrides),
                sizeof(float) * length);
  }
  return out;
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto shape = intsArg(info, 1, "shape");
  auto perm = intsArg(info, 2, "perm");
  const float* x = floatsArg(info, 0, product(shape), "x");
  if (shape.empty() || perm.size() != shape.size()) {
    throw Napi::RangeError::New(env, "transpose needs one permutation entry per axis");
  }
  dims_t inStrides = stridesOf(shape);
  dims_t outShape(shape.size()), strideInOutOrder(shape.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    outShape[i] = shape[perm[i]];
    strideInOutOrder[i] = inStrides[perm[i]];
  }
  int64_t total = product(outShape);
  auto out = newFloats(env, total);
  float* o = out.Data();
  const int64_t length = outShape.back();
  const int64_t step = strideInOutOrder.back();
  const int64_t runs = length == 0 ? 0 : total / length;
#pragma omp parallel for schedule(static) if (total > kParallelThreshold)
  for (int64_t run = 0; run < runs; ++run) {
    const float* source = x + runOffset(run, outShape, strideInOutOrder);
    float* target = o + run * length;
    for (int64_t i = 0; i < length; ++i) target[i] = source[i * step];
  }
  return out;
}

}  // namespace

void registerDataMovement(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "pad", Pad);
  exportFunction(env, exports, "slice", Slice);
  exportFunction(env, exports, "transpose", Transpose);
}

}  // namespace ssdet
