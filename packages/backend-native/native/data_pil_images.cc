// The 8-bit (Pillow) image kernels of @ssdet/data, as the TypeScript `pilGaussianBlurBytes`,
// `pilAdjustHue`, the `ImageEnhance` blends, `pilGrayscale`, `toPilBytes` and `fromPilBytes`
// compute them: Pillow's integer arithmetic in uint32, its C float/double steps in double
// rounded to binary32 where the TypeScript calls Math.fround.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "data_images.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

constexpr uint32_t kHalf = 1u << 23;

struct BoxWeights {
  int radius;
  uint32_t inner;
  uint32_t edge;
};

/**
 * One extended-box pass along `lines` lines at once: position i of line j is byte
 * `i·step + j`, `count` positions, the border repeated; Pillow's
 * `(Σ full taps · inner + (the two end taps) · edge + 2²³) >> 24` in uint32.
 */
SSDET_DATA_CLONES void boxPass(const uint8_t* source, uint8_t* target, int count, size_t step, size_t lines,
             const BoxWeights& box, std::vector<uint32_t>& sums) {
  const int radius = box.radius;
  const int last = count - 1;
  auto at = [&](int i) { return static_cast<size_t>(i < 0 ? 0 : i > last ? last : i) * step; };
  sums.assign(lines, 0);
  for (int i = -radius; i <= radius; i++) {
    const uint8_t* from = source + at(i);
    for (size_t lane = 0; lane < lines; lane++) sums[lane] += from[lane];
  }
  uint32_t* __restrict running = sums.data();
  const uint32_t inner = box.inner;
  const uint32_t edge = box.edge;
  for (int i = 0; i < count; i++) {
    uint8_t* __restrict out = target + static_cast<size_t>(i) * step;
    const uint8_t* __restrict before = source + at(i - radius - 1);
    const uint8_t* __restrict after = source + at(i + radius + 1);
    const uint8_t* __restrict leaving = source + at(i - radius);
    for (size_t lane = 0; lane < lines; lane++) {
      const uint32_t sum = running[lane];
      const uint32_t bulk = sum * inner + (static_cast<uint32_t>(before[lane]) + after[lane]) * edge;
      out[lane] = static_cast<uint8_t>((bulk + kHalf) >> 24);
      running[lane] = sum + after[lane] - leaving[lane];
    }
  }
}

/** `height` rows of `width` pixels of `channels` bytes → `width` rows of `height` such pixels. */
void transpose(const uint8_t* source, uint8_t* target, int width, int height, int channels) {
  const size_t c = static_cast<size_t>(channels);
  for (int y = 0; y < height; y++) {
    const uint8_t* row = source + static_cast<size_t>(y) * width * c;
    for (int x = 0; x < width; x++) {
      const uint8_t* from = row + x * c;
      uint8_t* to = target + (static_cast<size_t>(x) * height + y) * c;
      for (size_t k = 0; k < c; k++) to[k] = from[k];
    }
  }
}

/**
 * (pixels, width, height, channels, radius, inner, edge): Pillow's three extended box filters
 * along rows, then three along columns, in place on interleaved bytes; the box weights as the
 * TypeScript `boxWeights` makes them.
 */
Napi::Value PilGaussianBlur(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array pixelArray = info[0].As<Napi::Uint8Array>();
  const int width = info[1].As<Napi::Number>().Int32Value();
  const int height = info[2].As<Napi::Number>().Int32Value();
  const int channels = info[3].As<Napi::Number>().Int32Value();
  const BoxWeights box{info[4].As<Napi::Number>().Int32Value(),
                       info[5].As<Napi::Number>().Uint32Value(),
                       info[6].As<Napi::Number>().Uint32Value()};
  const size_t stride = static_cast<size_t>(width) * channels;
  const size_t length = stride * height;
  if (width < 0 || height < 0 || channels <= 0 || pixelArray.ElementLength() != length) {
    throw Napi::RangeError::New(env, "dataPilGaussianBlur: pixels length is not w·h·channels");
  }
  if (box.radius < 0) throw Napi::RangeError::New(env, "dataPilGaussianBlur: negative radius");
  if (width == 0 || height == 0) return env.Undefined();
  uint8_t* pixels = pixelArray.Data();
  std::vector<uint8_t> first(length);
  std::vector<uint8_t> second(length);
  std::vector<uint32_t> sums;
  // The row passes run on the transposed image, where every row's lines are side by side (the
  // same arithmetic per line, vectorised across lines).
  const size_t transposedStride = static_cast<size_t>(height) * channels;
  transpose(pixels, first.data(), width, height, channels);
  boxPass(first.data(), second.data(), width, transposedStride, transposedStride, box, sums);
  boxPass(second.data(), first.data(), width, transposedStride, transposedStride, box, sums);
  boxPass(first.data(), second.data(), width, transposedStride, transposedStride, box, sums);
  transpose(second.data(), pixels, height, width, channels);
  const uint8_t* sources[3] = {pixels, first.data(), second.data()};
  uint8_t* targets[3] = {first.data(), second.data(), pixels};
  for (int pass = 0; pass < 3; pass++) {
    boxPass(sources[pass], targets[pass], height, stride, stride, box, sums);
  }
  return env.Undefined();
}

float f32(double value) { return static_cast<float>(value); }



/** Math.round of a double in [0, 2³¹): the nearest integer, halves up. */
inline int roundNonNegative(double x) {
  const int down = static_cast<int>(x);
  return down + (x - down >= 0.5 ? 1 : 0);
}

/** Pillow's per-byte constants of HSV → RGB: sector, fraction of a hue byte; s / 255. */
struct HsvTables {
  uint8_t sector[256];
  float fraction[256];
  float saturation[256];
};

const HsvTables& hsvTables() {
  static const HsvTables tables = [] {
    HsvTables t{};
    for (int k = 0; k < 256; k++) {
      const double scaled = (static_cast<double>(k) * 6) / 255;
      const double sector = std::floor(scaled);
      t.sector[k] = static_cast<uint8_t>(static_cast<int>(sector) % 6);
      t.fraction[k] = f32(scaled - sector);
      t.saturation[k] = f32(static_cast<double>(k) / 255);
    }
    return t;
  }();
  return tables;
}

/**
 * (pixels, factor): torchvision's PIL `adjust_hue`, in place (TypeScript `pilAdjustHue`).
 * Written without data-dependent branches: a grey pixel goes through the same arithmetic with a
 * saturation of 0, where p = q = t = v, which is what Pillow's grey shortcut writes.
 */
SSDET_DATA_CLONES void pilAdjustHueBytes(uint8_t* pixels, size_t length, int shift) {
  const HsvTables& tables = hsvTables();
  for (size_t i = 0; i < length; i += 3) {
    const int r = pixels[i], g = pixels[i + 1], b = pixels[i + 2];
    const int maxc = std::max(r, std::max(g, b));
    const int minc = std::min(r, std::min(g, b));
    const bool grey = maxc == minc;
    const double chroma = grey ? 1 : maxc - minc;
    const double top = grey ? 1 : maxc;
    const float s = f32((maxc - minc) / top);
    const float rc = f32((maxc - r) / chroma);
    const float gc = f32((maxc - g) / chroma);
    const float bc = f32((maxc - b) / chroma);
    const float hr = f32(static_cast<double>(bc) - gc);
    const float hg = f32(2 + static_cast<double>(rc) - bc);
    const float hb = f32(4 + static_cast<double>(gc) - rc);
    const double h = r == maxc ? hr : g == maxc ? hg : hb;
    // (h / 6 + 1) % 1 of a value in [5/6, 11/6]: subtracting its integer part is exact.
    const double shifted = h / 6 + 1;
    const float wrapped = f32(shifted - static_cast<double>(static_cast<int>(shifted)));
    const int hueByte = grey ? 0 : std::min(static_cast<int>(static_cast<double>(wrapped) * 255), 255);
    const int saturationByte = grey ? 0 : std::min(static_cast<int>(static_cast<double>(s) * 255), 255);
    const int hue = (hueByte + shift) & 255;
    const double v = maxc;
    const double fs = tables.saturation[saturationByte];
    const double fraction = tables.fraction[hue];
    uint8_t values[4];
    values[0] = static_cast<uint8_t>(maxc);
    values[1] = static_cast<uint8_t>(std::min(roundNonNegative(v * (1 - fs)), 255));
    values[2] = static_cast<uint8_t>(
        std::min(roundNonNegative(v * (1 - static_cast<double>(f32(fs * fraction)))), 255));
    values[3] = static_cast<uint8_t>(std::min(roundNonNegative(v * (1 - fs * (1 - fraction))), 255));
    const uint8_t* pick = kSectorPick[tables.sector[hue]];
    pixels[i] = values[pick[0]];
    pixels[i + 1] = values[pick[1]];
    pixels[i + 2] = values[pick[2]];
  }
}

Napi::Value PilAdjustHue(const Napi::CallbackInfo& info) {
  Napi::Uint8Array pixelArray = info[0].As<Napi::Uint8Array>();
  const double factor = info[1].As<Napi::Number>().DoubleValue();
  // NumPy's uint8 of a float: truncation toward zero, then wrap-around.
  const int shift = ((static_cast<int>(std::trunc(factor * 255)) % 256) + 256) % 256;
  const size_t length = pixelArray.ElementLength() - pixelArray.ElementLength() % 3;
  pilAdjustHueBytes(pixelArray.Data(), length, shift);
  return info.Env().Undefined();
}

/** Pillow's `convert('L')`: ITU-R 601-2 luma in 16.16 fixed point, rounded. */
int pilLuma(int r, int g, int b) { return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16; }

/** One byte of Pillow's `ImagingBlend(degenerate, image, α)` (TypeScript `blend`). */
uint8_t blend(int degenerate, int value, float alpha, bool extrapolate) {
  const float mixed =
      f32(degenerate + static_cast<double>(f32(static_cast<double>(alpha) * (value - degenerate))));
  // Within [0, 255] here, where the conversion to an integer is Math.trunc.
  if (!extrapolate) return static_cast<uint8_t>(static_cast<int>(mixed));
  return mixed <= 0 ? 0 : mixed >= 255 ? 255 : static_cast<uint8_t>(static_cast<int>(mixed));
}

/**
 * (pixels, kind, factor): an `ImageEnhance` blend in place — kind 0 brightness (with black),
 * 1 contrast (with the mean luma), 2 saturation (with each pixel's luma); 3 grayscale (factor
 * ignored).
 */
Napi::Value PilEnhance(const Napi::CallbackInfo& info) {
  Napi::Uint8Array pixelArray = info[0].As<Napi::Uint8Array>();
  const int kind = info[1].As<Napi::Number>().Int32Value();
  const float alpha = f32(info[2].As<Napi::Number>().DoubleValue());
  const bool extrapolate = !(alpha >= 0 && alpha <= 1);
  uint8_t* pixels = pixelArray.Data();
  const size_t length = pixelArray.ElementLength();
  const size_t rgbLength = length - length % 3;
  switch (kind) {
    case 0:
      for (size_t i = 0; i < length; i++) pixels[i] = blend(0, pixels[i], alpha, extrapolate);
      break;
    case 1: {
      const size_t pixelCount = length / 3;
      if (pixelCount == 0) break;
      // JavaScript sums over `i < length` in steps of 3, so a partial last pixel reads
      // undefined bytes (NaN); lengths here are always multiples of 3.
      uint64_t sum = 0;
      for (size_t i = 0; i < rgbLength; i += 3) {
        sum += pilLuma(pixels[i], pixels[i + 1], pixels[i + 2]);
      }
      const double average = static_cast<double>(sum) / static_cast<double>(pixelCount);
      const int mean = static_cast<int>(exactTrunc(average + 0.5));
      for (size_t i = 0; i < length; i++) pixels[i] = blend(mean, pixels[i], alpha, extrapolate);
      break;
    }
    case 2:
      for (size_t i = 0; i < rgbLength; i += 3) {
        const int gray = pilLuma(pixels[i], pixels[i + 1], pixels[i + 2]);
        pixels[i] = blend(gray, pixels[i], alpha, extrapolate);
        pixels[i + 1] = blend(gray, pixels[i + 1], alpha, extrapolate);
        pixels[i + 2] = blend(gray, pixels[i + 2], alpha, extrapolate);
      }
      break;
    case 3:
      for (size_t i = 0; i < rgbLength; i += 3) {
        const uint8_t gray = static_cast<uint8_t>(pilLuma(pixels[i], pixels[i + 1], pixels[i + 2]));
        pixels[i] = pixels[i + 1] = pixels[i + 2] = gray;
      }
      break;
    default:
      throw Napi::RangeError::New(info.Env(), "dataPilEnhance: unknown kind");
  }
  return info.Env().Undefined();
}

/** round(255 · clamp(x, 0, 1)) per float, NaN → 0: Math.round of a product in [0, 255]. */
SSDET_DATA_CLONES void quantise(const float* __restrict data, uint8_t* __restrict bytes,
                                size_t length) {
  constexpr int32_t kOne = 0x3f800000;       // 1.0f
  constexpr uint32_t kInfinity = 0x7f800000;  // above it: NaN
  for (size_t i = 0; i < length; i++) {
    // The clamp on the bit pattern (ordered like the values for non-negative floats), so the
    // loop has no floating-point comparison: negative values, −0 and NaN → 0, above 1 → 1.
    int32_t bits;
    std::memcpy(&bits, &data[i], sizeof bits);
    const int32_t finiteNonNegative = -static_cast<int32_t>(static_cast<uint32_t>(bits) <= kInfinity);
    const int32_t clampedBits = std::min(bits, kOne) & finiteNonNegative;
    float clamped;
    std::memcpy(&clamped, &clampedBits, sizeof clamped);
    // A float32 times 255 has at most 32 significant bits, so the product and the added ½ are
    // exact and truncation is Math.round.
    bytes[i] = static_cast<uint8_t>(static_cast<int32_t>(static_cast<double>(clamped) * 255 + 0.5));
  }
}

/** (floats) → bytes `round(255 · clamp(x, 0, 1))`, NaN → 0 (TypeScript `toPilBytes`). */
Napi::Value ToPilBytes(const Napi::CallbackInfo& info) {
  Napi::Float32Array image = info[0].As<Napi::Float32Array>();
  const size_t length = image.ElementLength();
  Napi::Uint8Array result = Napi::Uint8Array::New(info.Env(), length);
  quantise(image.Data(), result.Data(), length);
  return result;
}

/** (bytes, out): out[i] ← binary32(bytes[i] / 255) (TypeScript `fromPilBytes`). */
Napi::Value FromPilBytes(const Napi::CallbackInfo& info) {
  Napi::Uint8Array byteArray = info[0].As<Napi::Uint8Array>();
  Napi::Float32Array outArray = info[1].As<Napi::Float32Array>();
  if (outArray.ElementLength() < byteArray.ElementLength()) {
    throw Napi::RangeError::New(info.Env(), "dataFromPilBytes: output shorter than the bytes");
  }
  float levels[256];
  for (int k = 0; k < 256; k++) levels[k] = f32(k / 255.0);
  const uint8_t* bytes = byteArray.Data();
  float* out = outArray.Data();
  for (size_t i = 0; i < byteArray.ElementLength(); i++) out[i] = levels[bytes[i]];
  return info.Env().Undefined();
}

}  // namespace

void registerDataPilImages(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "dataPilGaussianBlur", PilGaussianBlur);
  exportFunction(env, exports, "dataPilAdjustHue", PilAdjustHue);
  exportFunction(env, exports, "dataPilEnhance", PilEnhance);
  exportFunction(env, exports, "dataToPilBytes", ToPilBytes);
  exportFunction(env, exports, "dataFromPilBytes", FromPilBytes);
}

}  // namespace ssdet
