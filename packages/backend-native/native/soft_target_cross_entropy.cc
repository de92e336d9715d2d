// The soft-target cross-entropy of @ssdet/nn's `softTargetCrossEntropy` (DINO's and PLRC's
// self-distillation loss) and its gradient with respect to the student, one OpenMP task per row:
//
//   L = (1/M) Σ_m −Σ_j p_mj · log softmax(s_m/τ_s)_j,   p_m = softmax((t_m − c)/τ_t)
//   ∂L/∂s_mj = dy · (softmax(s_m/τ_s)_j − p_mj) / (τ_s · M)
//
// As tfjs ops this is a dozen kernels, each of which writes an [M, D] temporary (1.26 GB each for
// PLRC's 43,680 × 7,232 rows); here every row is read from memory once and its few passes run in
// cache. Since Σ_j p_mj = 1, a row's loss is logsumexp(s_m/τ_s) − Σ_j p_mj·s_mj/τ_s. Element-wise
// values are float32 as the tfjs ops compute them ((t − c) then / τ_t, s / τ_s), exp by a
// vectorisable polynomial (expNonPositive); row sums and the mean are accumulated in double.
#include "soft_target_cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "attrs.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

template <typename To, typename From>
inline To bitCast(From from) {
  static_assert(sizeof(To) == sizeof(From));
  return __builtin_bit_cast(To, from);
}

/**
 * exp(x) for x ≤ 0 (a logit minus its row's maximum), as plain arithmetic that GCC vectorises
 * inside the row loops, unlike a call to std::exp: x = n·ln 2 + r with |r| ≤ ln 2 / 2, exp(r) by
 * Cephes' expf polynomial (relative error below 1e-7 down to −87), times 2ⁿ built in the exponent
 * bits; 0 where 2ⁿ would be subnormal (x below about −87.3) and for −∞.
 */
inline float expNonPositive(float x) {
  // Arguments below −104 (−∞ included) become −104. The clamp compares bit patterns as unsigned
  // integers (larger for more negative floats): a float compare-and-select ahead of the
  // arithmetic would keep GCC from vectorising the loop (it must preserve floating-point traps).
  constexpr uint32_t kFloor = 0xC2D00000u;  // −104.0f
  const auto bits = bitCast<uint32_t>(x);
  x = bitCast<float>(bits > kFloor ? kFloor : bits);
  // Round to nearest by adding and subtracting 1.5·2²³ (SSE2 has no rounding instruction).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const int32_t exponent = static_cast<int32_t>(n) + 127;
  return y * bitCast<float>((exponent < 1 ? 0 : exponent) << 23);
}

/** The arguments both calls share: (student, teacher, center, …, attrs). */
struct Rows {
  int64_t rows, cols;
  // Divided by, not multiplied with a reciprocal, as tfjs's div does.
  float studentTemperature, teacherTemperature;
  const float* student;
  const float* teacher;
  const float* center;

  Rows(const Napi::CallbackInfo& info, size_t attrsIndex, const char* kernel) {
    const Attrs attrs(info, attrsIndex, kernel);
    rows = attrs.getInt("rows", 0);
    cols = attrs.getInt("cols", 1);
    studentTemperature = static_cast<float>(attrs.getNumber("studentTemperature"));
    teacherTemperature = static_cast<float>(attrs.getNumber("teacherTemperature"));
    if (!(studentTemperature > 0) || !(teacherTemperature > 0)) {
      throw Napi::RangeError::New(info.Env(), std::string(kernel) +
                                                  ": attrs.studentTemperature and "
                                                  "attrs.teacherTemperature must be positive");
    }
    const std::string name(kernel);
    student = floatsOf(info.Env(), info[0], static_cast<size_t>(rows * cols), name + ": student");
    teacher = floatsOf(info.Env(), info[1], static_cast<size_t>(rows * cols), name + ": teacher");
    center = floatsOf(info.Env(), info[2], static_cast<size_t>(cols), name + ": center");
  }
};

/** A row's normalisers: log Σ exp(s/τ_s) and the teacher's max and Σ exp((t − c)/τ_t − max). */
struct RowStats {
  float studentMax, teacherMax;
  double studentSum, teacherSum;
  /** Σ_j exp(u_j − max_u) · s_j/τ_s. */
  double weighted;
};

/** Row `r`'s statistics. */
RowStats rowStats(const Rows& a, int64_t r) {
  const float* s = a.student + r * a.cols;
  const float* t = a.teacher + r * a.cols;
  const float* c = a.center;
  const float ts = a.studentTemperature, tt = a.teacherTemperature;
  float sMax = -std::numeric_limits<float>::infinity(), uMax = sMax;
#pragma omp simd reduction(max : sMax, uMax)
  for (int64_t j = 0; j < a.cols; ++j) {
    sMax = std::max(sMax, s[j] / ts);
    uMax = std::max(uMax, (t[j] - c[j]) / tt);
  }
  double sSum = 0, uSum = 0, dot = 0;
#pragma omp simd reduction(+ : sSum, uSum, dot)
  for (int64_t j = 0; j < a.cols; ++j) {
    const float logit = s[j] / ts;
    const float e = expNonPositive((t[j] - c[j]) / tt - uMax);
    sSum += expNonPositive(logit - sMax);
    uSum += e;
    dot += static_cast<double>(e) * logit;
  }
  return {sMax, uMax, sSum, uSum, dot};
}

/** `(student, teacher, center, attrs)` → Float32Array [L]: the mean over rows (0 for no rows). */
Napi::Value SoftTargetCrossEntropy(const Napi::CallbackInfo& info) {
  const Rows a(info, 3, "softTargetCrossEntropy");
  double total = 0;
  SerialScope scope(a.rows * a.cols < kSerialElements);
#pragma omp parallel for schedule(static) reduction(+ : total)
  for (int64_t r = 0; r < a.rows; ++r) {
    const RowStats st = rowStats(a, r);
    total += (st.studentMax + std::log(st.studentSum)) - st.weighted / st.teacherSum;
  }
  auto out = Napi::Float32Array::New(info.Env(), 1);
  out[0] = a.rows == 0 ? 0.0f : static_cast<float>(total / static_cast<double>(a.rows));
  return out;
}

/**
 * `(student, teacher, center, dy, attrs)` → Float32Array [M·D]: dy·(softmax(s/τ_s) − p)/(τ_s·M),
 * `dy` a Float32Array holding the upstream gradient of L. Per row: the maxima, then the
 * exponentials (the student's into the output row, the teacher's into a per-thread row) and their
 * sums, then the difference — two exponentials per element.
 */
Napi::Value SoftTargetCrossEntropyGrad(const Napi::CallbackInfo& info) {
  const Rows a(info, 4, "softTargetCrossEntropyGrad");
  const float* dy = floatsArg(info, 3, 1, "softTargetCrossEntropyGrad: dy");
  auto out = newFloats(info.Env(), static_cast<size_t>(a.rows * a.cols));
  float* g = out.Data();
  const double factor = a.rows == 0 ? 0.0
                                     : static_cast<double>(dy[0]) /
                                           (static_cast<double>(a.rows) * a.studentTemperature);
  const auto f = static_cast<float>(factor);
  const float ts = a.studentTemperature, tt = a.teacherTemperature;
  SerialScope scope(a.rows * a.cols < kSerialElements);
#pragma omp parallel
  {
    std::vector<float> target(static_cast<size_t>(a.cols));
    float* e = target.data();
#pragma omp for schedule(static)
    for (int64_t r = 0; r < a.rows; ++r) {
      const float* s = a.student + r * a.cols;
      const float* t = a.teacher + r * a.cols;
      const float* c = a.center;
      float* gr = g + r * a.cols;
      float sMax = -std::numeric_limits<float>::infinity(), uMax = sMax;
#pragma omp simd reduction(max : sMax, uMax)
      for (int64_t j = 0; j < a.cols; ++j) {
        sMax = std::max(sMax, s[j] / ts);
        uMax = std::max(uMax, (t[j] - c[j]) / tt);
      }
      double sSum = 0, uSum = 0;
#pragma omp simd reduction(+ : sSum, uSum)
      for (int64_t j = 0; j < a.cols; ++j) {
        gr[j] = expNonPositive(s[j] / ts - sMax);
        e[j] = expNonPositive((t[j] - c[j]) / tt - uMax);
        sSum += gr[j];
        uSum += e[j];
      }
      const auto sNorm = static_cast<float>(1 / sSum);
      const auto uNorm = static_cast<float>(1 / uSum);
#pragma omp simd
      for (int64_t j = 0; j < a.cols; ++j) gr[j] = (gr[j] * sNorm - e[j] * uNorm) * f;
    }
  }
  return out;
}

}  // namespace

void registerSoftTargetCrossEntropy(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "softTargetCrossEntropy", SoftTargetCrossEntropy);
  exportFunction(env, exports, "softTargetCrossEntropyGrad", SoftTargetCrossEntropyGrad);
}

}  // namespace ssdet
