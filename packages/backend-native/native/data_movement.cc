// Copies that reshape memory: constant padding, slicing, transposition, concatenation and
// gathering of float tensors of any rank. Each walks the output one contiguous run at a time (a
// memcpy where the run is contiguous in the input too), with runs split across OpenMP threads.
#include "data_movement.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

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

/**
 * concat(inputs, inners, outer): inputs viewed as [outer, inner_i], joined along the second axis
 * into [outer, Σ inner_i] — `tf.concat` along any axis, with outer = the product of the axes
 * before it.
 */
Napi::Value Concat(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "concat inputs must be an array");
  auto list = info[0].As<Napi::Array>();
  auto inners = intsArg(info, 1, "inners");
  const auto outer = static_cast<int64_t>(numberArg(info, 2, "outer"));
  if (inners.size() != list.Length()) throw Napi::RangeError::New(env, "one inner size per input");
  std::vector<const float*> inputs;
  std::vector<int64_t> offsets;
  int64_t total = 0;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    auto value = list.Get(i);
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        static_cast<int64_t>(value.As<Napi::Float32Array>().ElementLength()) != outer * inners[i]) {
      throw Napi::TypeError::New(env, "concat input " + std::to_string(i) + " must be a Float32Array of outer × inner");
    }
    inputs.push_back(value.As<Napi::Float32Array>().Data());
    offsets.push_back(total);
    total += inners[i];
  }
  auto out = newFloats(env, outer * total);
  float* o = out.Data();
#pragma omp parallel for schedule(static) if (outer * total > kParallelThreshold && outer > 1)
  for (int64_t r = 0; r < outer; ++r) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inners[i] == 0) continue;
      std::memcpy(o + r * total + offsets[i], inputs[i] + r * inners[i], sizeof(float) * inners[i]);
    }
  }
  return out;
}

/**
 * gather(x, indices, { outer, axisSize, inner }): x viewed as [outer, axisSize, inner];
 * out[o, n, :] = x[o, indices[n], :] — `tf.gather` with batchDims 0. Indices are checked by the
 * caller.
 */
Napi::Value Gather(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Attrs attrs(info, 2, "gather");
  const int64_t outer = attrs.getInt("outer", 0);
  const int64_t axisSize = attrs.getInt("axisSize", 0);
  const int64_t inner = attrs.getInt("inner", 0);
  const float* x = floatsArg(info, 0, outer * axisSize * inner, "x");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "gather indices must be an Int32Array");
  }
  auto indexArray = info[1].As<Napi::Int32Array>();
  const int32_t* indices = indexArray.Data();
  const auto count = static_cast<int64_t>(indexArray.ElementLength());
  auto out = newFloats(env, outer * count * inner);
  float* o = out.Data();
#pragma omp parallel for schedule(static) if (outer * count * inner > kParallelThreshold)
  for (int64_t row = 0; row < outer * count; ++row) {
    const int64_t b = row / count, n = row % count;
    std::memcpy(o + row * inner, x + (b * axisSize + indices[n]) * inner, sizeof(float) * inner);
  }
  return out;
}

void registerDataMovement(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "concat", Concat);
  exportFunction(env, exports, "gather", Gather);
  exportFunction(env, exports, "pad", Pad);
  exportFunction(env, exports, "slice", Slice);
  exportFunction(env, exports, "transpose", Transpose);
}

}  // namespace ssdet
