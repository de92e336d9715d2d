#pragma once

#include <napi.h>

#include <cmath>
#include <cstdint>

// The accumulation loops are plain arithmetic the compiler vectorises; on x86-64 Linux it also
// compiles AVX2 and AVX-512 copies, picked at load time. Same IEEE operations in every copy (no
// FMA: -ffp-contract=off), so the results do not depend on the CPU.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define SSDET_DATA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SSDET_DATA_CLONES
#endif

namespace ssdet {

// Exact replacements for floor / trunc / fmod(x, 1) / Math.round that compile to a few
// instructions on baseline x86-64 (where libm's are calls): every double below 2⁵² in
// magnitude converts to int64 and back exactly; the rest (and NaN) takes libm's path.
constexpr double kExactIntegers = 4503599627370496.0;  // 2⁵²

inline double exactTrunc(double x) {
  if (!(std::fabs(x) < kExactIntegers) || x == 0) return std::trunc(x);
  const double t = static_cast<double>(static_cast<int64_t>(x));
  return t == 0 ? std::copysign(0.0, x) : t;
}

inline double exactFloor(double x) {
  if (!(std::fabs(x) < kExactIntegers) || x == 0) return std::floor(x);
  const double t = static_cast<double>(static_cast<int64_t>(x));
  if (t > x) return t - 1;
  return t == 0 ? std::copysign(0.0, x) : t;
}

/** C's fmod(x, 1): x − trunc(x), exact, with the sign of x (also for a zero result). */
inline double exactFmodOne(double x) {
  if (!(std::fabs(x) < kExactIntegers)) return std::fmod(x, 1.0);
  return std::copysign(x - exactTrunc(x), x);
}

/** HSV → RGB: which of (v, p, q, t) each output channel takes in each hue sector 0–5. */
inline constexpr uint8_t kSectorPick[6][3] = {{0, 3, 1}, {2, 0, 1}, {1, 0, 3},
                                              {1, 2, 0}, {3, 1, 0}, {0, 1, 2}};

/** JavaScript's Math.round: the nearest integer, halves towards +∞. */
inline double jsRound(double x) {
  const double down = exactFloor(x);
  return x - down >= 0.5 ? down + 1 : down;
}

// Image kernels of @ssdet/data's view pipeline on plain typed arrays, single-threaded (the data
// workers parallelise across views). Each reproduces its TypeScript twin bit for bit: double
// arithmetic where JavaScript computes in double, rounded to binary32 exactly where the
// TypeScript stores into a Float32Array or calls Math.fround (no FMA contraction: the addon
// is built with -ffp-contract=off), integer arithmetic where Pillow's is integer. Weights and
// other values that need a transcendental function come from the TypeScript.
void registerDataFloatImages(Napi::Env env, Napi::Object exports);
void registerDataPilImages(Napi::Env env, Napi::Object exports);
// JPEG decoding with the system libjpeg-turbo (data_jpeg_decode.cc); registers nothing when the
// addon was built without jpeglib.h.
void registerDataJpegDecode(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
