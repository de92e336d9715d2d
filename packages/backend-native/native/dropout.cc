// Inverted dropout with a counter-based mask, `@ssdet/core`'s SsdetDropout: out_i = x_i · m_i,
// m_i = 1/keep when word (i mod 4) of Philox-4×32-10((⌊i/4⌋, 0, 0, 0), (seed, 0)) is below
// keep·2³², else 0. Every block of four elements is computed from its own index, so the threads
// split the tensor freely and the values are those of the JavaScript reference
// (`philox4x32`, `dropoutMultipliers`) whatever the thread count.
#include "dropout.h"

#include <cstdint>

#include "attrs.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;

/** Philox-4×32-10 (Salmon et al., SC 2011) of counter `c` under key (k0, k1), in place. */
inline void philox4x32(uint32_t c[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
    const uint32_t high0 = static_cast<uint32_t>(p0 >> 32), low0 = static_cast<uint32_t>(p0);
    const uint32_t high1 = static_cast<uint32_t>(p1 >> 32), low1 = static_cast<uint32_t>(p1);
    const uint32_t c1 = c[1], c3 = c[3];
    c[0] = high1 ^ c1 ^ k0;
    c[1] = low1;
    c[2] = high0 ^ c3 ^ k1;
    c[3] = low0;
  }
}

/** dropout(x, attrs { size, keep, seed }) → x · m (a new array). */
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Attrs attrs(info, 1, "dropout");
  const int64_t size = attrs.getInt("size", 0);
  const double keep = attrs.getNumber("keep");
  const int64_t seed = attrs.getInt("seed", 0);
  if (!(keep > 0 && keep < 1)) throw Napi::RangeError::New(env, "dropout: attrs.keep must be in (0, 1)");
  if (seed > 0xFFFFFFFFll) throw Napi::RangeError::New(env, "dropout: attrs.seed must be a 32-bit unsigned integer");
  const float* x = floatsArg(info, 0, static_cast<size_t>(size), "x");
  auto out = newFloats(env, static_cast<size_t>(size));
  float* y = out.Data();
  const double threshold = keep * 4294967296.0;
  const float scale = static_cast<float>(1.0 / keep);
  const auto key = static_cast<uint32_t>(seed);
  const int64_t blocks = (size + 3) / 4;
  SerialScope serial(size < kSerialElements);
#pragma omp parallel for schedule(static)
  for (int64_t block = 0; block < blocks; ++block) {
    uint32_t words[4] = {static_cast<uint32_t>(block), 0, 0, 0};
    philox4x32(words, key, 0);
    const int64_t base = block * 4;
    const int64_t count = size - base < 4 ? size - base : 4;
    for (int64_t j = 0; j < count; ++j) {
      y[base + j] = x[base + j] * (static_cast<double>(words[j]) < threshold ? scale : 0.0f);
    }
  }
  return out;
}

}  // namespace

void registerDropout(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "dropout", Dropout);
}

}  // namespace ssdet
