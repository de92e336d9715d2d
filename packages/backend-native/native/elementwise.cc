// Element-wise kernels written by hand (simple loops the compiler vectorises, split across OpenMP
// threads when large): binary operations with NumPy broadcasting, unary functions, and AddN.
//
// Broadcasting: both shapes are right-aligned with the output's; consecutive axes on which each
// operand is either full or broadcast in the same way are merged, so that the innermost merged
// axis is a contiguous run in which `a` and `b` each advance by 1 or stay put. Outer axes are
// walked with an index decomposition per run.
#include "elementwise.h"

#include <omp.h>

#include <cmath>
#include <limits>

#include "dnnl_context.h"

namespace ssdet {
namespace {

constexpr int64_t kParallelThreshold = kSerialElements;

template <BinaryOp op>
inline float apply(float a, float b) {
  if constexpr (op == BinaryOp::Add) return a + b;
  if constexpr (op == BinaryOp::Sub) return a - b;
  if constexpr (op == BinaryOp::Mul) return a * b;
  if constexpr (op == BinaryOp::Div) return a / b;
  if constexpr (op == BinaryOp::Max) return (a != a || b != b) ? std::numeric_limits<float>::quiet_NaN() : (a > b ? a : b);
  if constexpr (op == BinaryOp::Min) return (a != a || b != b) ? std::numeric_limits<float>::quiet_NaN() : (a < b ? a : b);
  if constexpr (op == BinaryOp::SquaredDifference) return (a - b) * (a - b);
  // a = dy, b = the ReLU's output.
  if constexpr (op == BinaryOp::ReluGrad) return b > 0.f ? a : (b != b ? b : 0.f);
}

/** One merged axis: its length and the element strides of a and b along it (0 = broadcast). */
struct Axis {
  int64_t size, strideA, strideB;
};

std::vector<Axis> mergeAxes(const dims_t& aShape, const dims_t& bShape, const dims_t& out) {
  size_t rank = out.size();
  auto aligned = [rank](const dims_t& shape, size_t i) {
    size_t offset = rank - shape.size();
    return i < offset ? int64_t{1} : shape[i - offset];
  };
  // Innermost first while merging.
  std::vector<Axis> axes;
  int lastKind = -1;
  int64_t strideA = 1, strideB = 1;
  for (size_t r = rank; r-- > 0;) {
    int64_t size = out[r];
    if (size == 1) continue;
    bool fullA = aligned(aShape, r) == size;
    bool fullB = aligned(bShape, r) == size;
    int kind = (fullA ? 1 : 0) | (fullB ? 2 : 0);
    if (kind == lastKind) {
      axes.back().size *= size;
    } else {
      axes.push_back({size, fullA ? strideA : 0, fullB ? strideB : 0});
      lastKind = kind;
    }
    if (fullA) strideA *= size;
    if (fullB) strideB *= size;
  }
  if (axes.empty()) axes.push_back({1, 1, 1});
  return axes;  // axes[0] is the innermost
}

template <BinaryOp op>
void binaryLoop(const float* a, const float* b, float* out, const std::vector<Axis>& axes,
                int64_t total) {
  const Axis inner = axes[0];
  const int64_t runs = total / inner.size;
  const int64_t n = inner.size;
#pragma omp parallel for schedule(static) if (total > kParallelThreshold)
  for (int64_t run = 0; run < runs; ++run) {
    int64_t offA = 0, offB = 0, rest = run;
    for (size_t i = 1; i < axes.size(); ++i) {
      int64_t index = rest % axes[i].size;
      rest /= axes[i].size;
      offA += index * axes[i].strideA;
      offB += index * axes[i].strideB;
    }
    const float* pa = a + offA;
    const float* pb = b + offB;
    float* po = out + run * n;
    if (inner.strideA != 0 && inner.strideB != 0) {
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = apply<op>(pa[i], pb[i]);
    } else if (inner.strideA != 0) {
      const float vb = pb[0];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = apply<op>(pa[i], vb);
    } else {
      const float va = pa[0];
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) po[i] = apply<op>(va, pb[i]);
    }
  }
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto op = opArg<BinaryOp>(info, 0, "op");
  auto aShape = intsArg(info, 2, "aShape");
  auto bShape = intsArg(info, 4, "bShape");
  auto outShape = intsArg(info, 5, "outShape");
  const float* a = floatsArg(info, 1, product(aShape), "a");
  const float* b = floatsArg(info, 3, product(bShape), "b");
  int64_t total = product(outShape);
  auto out = newFloats(env, total);
  if (total == 0) return out;
  auto axes = mergeAxes(aShape, bShape, outShape);
  float* o = out.Data();
  switch (op) {
#define SSDET_BINARY_CASE(name) \
  case BinaryOp::name: binaryLoop<BinaryOp::name>(a, b, o, axes, total); break;
    SSDET_BINARY_OPS(SSDET_BINARY_CASE)
#undef SSDET_BINARY_CASE
  }
  return out;
}

// Formulas as tfjs-backend-cpu writes them, NaN behaviour included.
template <UnaryOp op>
inline float applyUnary(float x, float alpha) {
  if constexpr (op == UnaryOp::Neg) return -x;
  if constexpr (op == UnaryOp::Square) return x * x;
  if constexpr (op == UnaryOp::Sqrt) return std::sqrt(x);
  if constexpr (op == UnaryOp::Rsqrt) return 1.f / std::sqrt(x);
  if constexpr (op == UnaryOp::Exp) return std::exp(x);
  if constexpr (op == UnaryOp::Log) return std::log(x);
  if constexpr (op == UnaryOp::Abs) return std::fabs(x);
  if constexpr (op == UnaryOp::Relu) return x < 0.f ? 0.f : x;
  if constexpr (op == UnaryOp::Relu6) return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
  if constexpr (op == UnaryOp::Sigmoid) return 1.f / (1.f + std::exp(-x));
  if constexpr (op == UnaryOp::Tanh) return std::tanh(x);
  if constexpr (op == UnaryOp::Step) return x != x ? x : (x > 0.f ? 1.f : alpha);
  if constexpr (op == UnaryOp::Reciprocal) return 1.f / x;
  if constexpr (op == UnaryOp::Elu) return x >= 0.f ? x : std::exp(x) - 1.f;
  if constexpr (op == UnaryOp::LeakyRelu) return x < 0.f ? alpha * x : x;
  if constexpr (op == UnaryOp::Log1p) return std::log1p(x);
  if constexpr (op == UnaryOp::Floor) return std::floor(x);
}

template <UnaryOp op>
void unaryLoop(const float* x, float* out, int64_t n, float alpha) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) out[i] = applyUnary<op>(x[i], alpha);
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto op = opArg<UnaryOp>(info, 0, "op");
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "x must be a Float32Array");
  int64_t n = info[1].As<Napi::Float32Array>().ElementLength();
  const float* x = floatsArg(info, 1, n, "x");
  float alpha = static_cast<float>(numberArg(info, 2, "alpha"));
  auto out = newFloats(env, n);
  float* o = out.Data();
  switch (op) {
#define SSDET_UNARY_CASE(name) \
  case UnaryOp::name: unaryLoop<UnaryOp::name>(x, o, n, alpha); break;
    SSDET_UNARY_OPS(SSDET_UNARY_CASE)
#undef SSDET_UNARY_CASE
  }
  return out;
}

Napi::Value AddN(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "inputs must be an array");
  auto list = info[0].As<Napi::Array>();
  int64_t n = static_cast<int64_t>(numberArg(info, 1, "size"));
  std::vector<const float*> inputs;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    auto array = list.Get(i).As<Napi::Float32Array>();
    if (static_cast<int64_t>(array.ElementLength()) < n) {
      throw Napi::RangeError::New(env, "AddN inputs must all have the output's size");
    }
    inputs.push_back(array.Data());
  }
  auto out = newFloats(env, n);
  float* o = out.Data();
  const size_t count = inputs.size();
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    float sum = 0.f;
    for (size_t k = 0; k < count; ++k) sum += inputs[k][i];
    o[i] = sum;
  }
  return out;
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "binary", Binary);
  exportFunction(env, exports, "unary", Unary);
  exportFunction(env, exports, "addN", AddN);
}

}  // namespace ssdet
