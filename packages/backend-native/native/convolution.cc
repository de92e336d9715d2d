// 2-D convolution forward (with optional bias and activation), and its data and filter gradients,
// on tfjs's layouts: activations NHWC and filters HWIO, described to oneDNN as such so that inputs
// and outputs are read and written in place. Filters are reordered into the blocked format the
// chosen implementation prefers (small next to the activations).
#include "convolution.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>

#include "dnnl_context.h"

namespace ssdet {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

/** A convolution's attributes (Conv2DAttrs in src/native-addon.ts). */
struct ConvGeometry {
  Window2d w;
  int64_t outChannels, dilationHeight, dilationWidth;

  static ConvGeometry read(const Attrs& a) {
    return {Window2d::read(a), a.getInt("outChannels", 0), a.getInt("dilationHeight", 1),
            a.getInt("dilationWidth", 1)};
  }
  /** Every attribute, for a primitive-cache key. */
  dims_t key() const {
    dims_t key{outChannels, dilationHeight, dilationWidth};
    w.appendKey(key);
    return key;
  }
  memory::desc src() const {
    return {{w.batch, w.inChannels, w.inHeight, w.inWidth}, f32, tag::nhwc};
  }
  memory::desc dst() const {
    return {{w.batch, outChannels, w.outHeight, w.outWidth}, f32, tag::nhwc};
  }
  memory::dims weightDims() const {
    return {outChannels, w.inChannels, w.filterHeight, w.filterWidth};
  }
  memory::desc anyWeights() const { return {weightDims(), f32, tag::any}; }
  memory::desc userWeights() const { return {weightDims(), f32, tag::hwio}; }
  memory::desc bias() const { return {{outChannels}, f32, tag::a}; }
  memory::dims strides() const { return {w.strideHeight, w.strideWidth}; }
  memory::dims dilations() const { return {dilationHeight - 1, dilationWidth - 1}; }
  memory::dims padLeft() const { return {w.padTop, w.padLeft}; }
  memory::dims padRight() const { return {w.padBottom, w.padRight}; }
  int64_t srcSize() const { return w.batch * w.inHeight * w.inWidth * w.inChannels; }
  int64_t dstSize() const { return w.batch * w.outHeight * w.outWidth * outChannels; }
  int64_t weightsSize() const {
    return w.filterHeight * w.filterWidth * w.inChannels * outChannels;
  }
  int64_t flops() const { return 2 * dstSize() * w.filterHeight * w.filterWidth * w.inChannels; }
};

/** What the forward pass fuses: a bias per output channel and an activation. */
struct Fusion {
  bool withBias = false;
  Activation activation = Activation::Linear;
  float alpha = 0.f;
};

/**
 * The oneDNN descriptor `Desc` of this convolution — forward (after its prop_kind), backward
 * data or backward weights — from the same memory descriptors, strides, dilations and padding.
 * `bias` (forward only) goes between the weights and the destination.
 */
template <typename Desc, typename... Lead>
Desc describe(const ConvGeometry& g, const memory::desc* bias, Lead... lead) {
  constexpr auto direct = dnnl::algorithm::convolution_direct;
  if constexpr (std::is_same_v<Desc, dnnl::convolution_forward::desc>) {
    if (bias != nullptr) {
      return Desc(lead..., direct, g.src(), g.anyWeights(), *bias, g.dst(), g.strides(),
                  g.dilations(), g.padLeft(), g.padRight());
    }
  }
  return Desc(lead..., direct, g.src(), g.anyWeights(), g.dst(), g.strides(), g.dilations(),
              g.padLeft(), g.padRight());
}

dnnl::convolution_forward::primitive_desc forwardDesc(const ConvGeometry& g, const Fusion& fusion,
                                                      dnnl::prop_kind prop) {
  const memory::desc bias = g.bias();
  auto desc = describe<dnnl::convolution_forward::desc>(g, fusion.withBias ? &bias : nullptr, prop);
  dnnl::post_ops ops;
  appendActivation(ops, fusion.activation, fusion.alpha);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return {desc, attr, cpuEngine()};
}

/** A backward pass's primitive descriptor, hinted by the forward training pass it inverts. */
template <typename Primitive>
typename Primitive::primitive_desc backwardDesc(const ConvGeometry& g) {
  auto hint = forwardDesc(g, Fusion{}, dnnl::prop_kind::forward_training);
  return {describe<typename Primitive::desc>(g, nullptr), cpuEngine(), hint};
}

memory userMemory(const memory::desc& desc, float* data) {
  return memory(desc, cpuEngine(), data);
}

/**
 * A primitive plus the buffer that holds the filter (or its gradient) in the primitive's
 * preferred format, and the reorder between that and the user's HWIO array: into the buffer
 * for the passes that read the filter, out of it for the filter gradient.
 */
template <typename Primitive>
struct WithWeights {
  static constexpr bool kWritesWeights =
      std::is_same_v<Primitive, dnnl::convolution_backward_weights>;

  Primitive primitive;
  memory buffer;
  dnnl::reorder reorder;
  bool needsReorder;

  static WithWeights build(const typename Primitive::primitive_desc& pd, const ConvGeometry& g) {
    memory::desc preferred;
    if constexpr (kWritesWeights) {
      preferred = pd.diff_weights_desc();
    } else {
      preferred = pd.weights_desc();
    }
    const memory::desc user = g.userWeights();
    const bool needsReorder = preferred != user;
    if (!needsReorder) return {Primitive(pd), memory(), dnnl::reorder(), false};
    SerialScope serial(g.weightsSize() < kSerialElements);
    auto& engine = cpuEngine();
    auto reorder = kWritesWeights ? dnnl::reorder({engine, preferred, engine, user})
                                  : dnnl::reorder({engine, user, engine, preferred});
    return {Primitive(pd), memory(preferred, engine), reorder, true};
  }

  /** The cached primitive of pass `name` for `g` (and `extra`), built by `makePd` on first use. */
  template <typename MakePd>
  static std::shared_ptr<WithWeights> get(const char* name, const ConvGeometry& g,
                                          const dims_t& extra, MakePd makePd) {
    dims_t key = g.key();
    key.insert(key.end(), extra.begin(), extra.end());
    return cached<WithWeights>(cacheKey(name, key), [&] { return build(makePd(), g); });
  }

  /** Copies the user's filter into the preferred buffer if needed; what the primitive reads. */
  memory stage(const ConvGeometry& g, float* userWeights) {
    memory user = userMemory(g.userWeights(), userWeights);
    if (!needsReorder) return user;
    SerialScope serial(g.weightsSize() < kSerialElements);
    reorder.execute(cpuStream(), user, buffer);
    return buffer;
  }
};

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = ConvGeometry::read(Attrs(info, 3, "conv2d"));
  SerialScope scope(g.flops() < kSerialFlops);
  float* x = floatsArg(info, 0, g.srcSize(), "x");
  float* w = floatsArg(info, 1, g.weightsSize(), "filter");
  float* bias = optionalFloatsArg(info, 2, g.outChannels, "bias");
  const Attrs fused(info, 4, "conv2d", "fused");
  const Fusion fusion{bias != nullptr, fused.getOp<Activation>("activation"),
                      static_cast<float>(fused.getNumber("leakyreluAlpha"))};

  using Entry = WithWeights<dnnl::convolution_forward>;
  dims_t extra{fusion.withBias, static_cast<int64_t>(fusion.activation),
               static_cast<int64_t>(fusion.alpha * 1e6f)};
  auto entry = Entry::get("conv", g, extra, [&] {
    return forwardDesc(g, fusion, dnnl::prop_kind::forward_inference);
  });

  auto y = newFloats(env, g.dstSize());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, userMemory(g.src(), x)},
                                       {DNNL_ARG_WEIGHTS, entry->stage(g, w)},
                                       {DNNL_ARG_DST, userMemory(g.dst(), y.Data())}};
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, userMemory(g.bias(), bias));
  auto& stream = cpuStream();
  entry->primitive.execute(stream, args);
  stream.wait();
  return y;
}

Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = ConvGeometry::read(Attrs(info, 2, "conv2dBackpropInput"));
  SerialScope scope(g.flops() < kSerialFlops);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  float* w = floatsArg(info, 1, g.weightsSize(), "filter");

  using Entry = WithWeights<dnnl::convolution_backward_data>;
  auto entry = Entry::get("conv_bwd_data", g, {},
                          [&] { return backwardDesc<dnnl::convolution_backward_data>(g); });

  auto dx = newFloats(env, g.srcSize());
  auto& stream = cpuStream();
  entry->primitive.execute(stream, {{DNNL_ARG_DIFF_DST, userMemory(g.dst(), dy)},
                                    {DNNL_ARG_WEIGHTS, entry->stage(g, w)},
                                    {DNNL_ARG_DIFF_SRC, userMemory(g.src(), dx.Data())}});
  stream.wait();
  return dx;
}

/**
 * Whether the filter gradient is taken of a 1×1 convolution with a stride: oneDNN 2.6's jit_1x1
 * backward-weights pass copies such an input to unit stride itself ("rtus"), but for channels-last
 * data it places each chunk of that copy at (spatial offset × its channel block) instead of
 * (spatial offset × channels). With fewer input channels than the block (16 floats on AVX-512,
 * 8 on AVX2) the copy runs past the end of its scratchpad and corrupts the heap — e.g. ResNet's
 * 1×1 stride-2 downsample at width ×⅛ (8 channels). See uxlfoundation/oneDNN#6035.
 */
bool isStrided1x1(const ConvGeometry& g) {
  return g.w.filterHeight == 1 && g.w.filterWidth == 1 &&
         (g.w.strideHeight > 1 || g.w.strideWidth > 1);
}

/**
 * The samples a 1×1 convolution reads, x[b, sₕ·i − padTop, s_w·j − padLeft, :] for every output
 * position (i, j) (zeros where that falls in the padding), as a dense
 * [batch, outHeight, outWidth, inChannels] array: the input of an equivalent stride-1 1×1
 * convolution, which oneDNN runs without its own copy.
 */
std::unique_ptr<float[]> sampleUnitStride(const ConvGeometry& g, const float* x) {
  const Window2d& w = g.w;
  const int64_t channels = w.inChannels;
  const int64_t rows = w.batch * w.outHeight;
  std::unique_ptr<float[]> out(new float[std::max<int64_t>(rows * w.outWidth * channels, 1)]);
  float* o = out.get();
#pragma omp parallel for schedule(static) if (rows * w.outWidth * channels > kSerialElements)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t b = row / w.outHeight, i = row % w.outHeight;
    const int64_t y = i * w.strideHeight - w.padTop;
    float* target = o + row * w.outWidth * channels;
    if (y < 0 || y >= w.inHeight) {
      std::fill(target, target + w.outWidth * channels, 0.f);
      continue;
    }
    const float* source = x + (b * w.inHeight + y) * w.inWidth * channels;
    for (int64_t j = 0; j < w.outWidth; ++j, target += channels) {
      const int64_t xw = j * w.strideWidth - w.padLeft;
      if (xw < 0 || xw >= w.inWidth) {
        std::fill(target, target + channels, 0.f);
      } else {
        std::memcpy(target, source + xw * channels, sizeof(float) * channels);
      }
    }
  }
  return out;
}

/** `g` as read from the sampleUnitStride copy: stride 1, no padding, input size = output size. */
ConvGeometry unitStride(const ConvGeometry& g) {
  ConvGeometry unit = g;
  unit.w.inHeight = g.w.outHeight;
  unit.w.inWidth = g.w.outWidth;
  unit.w.strideHeight = unit.w.strideWidth = 1;
  unit.w.padTop = unit.w.padBottom = unit.w.padLeft = unit.w.padRight = 0;
  unit.dilationHeight = unit.dilationWidth = 1;
  return unit;
}

Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto requested = ConvGeometry::read(Attrs(info, 2, "conv2dBackpropFilter"));
  SerialScope scope(requested.flops() < kSerialFlops);
  float* x = floatsArg(info, 0, requested.srcSize(), "x");
  float* dy = floatsArg(info, 1, requested.dstSize(), "dy");
  // A strided 1×1 filter's gradient is taken of the unit-stride problem (see isStrided1x1).
  std::unique_ptr<float[]> sampled;
  if (isStrided1x1(requested)) {
    sampled = sampleUnitStride(requested, x);
    x = sampled.get();
  }
  const ConvGeometry g = sampled ? unitStride(requested) : requested;

  using Entry = WithWeights<dnnl::convolution_backward_weights>;
  auto entry = Entry::get("conv_bwd_filter", g, {},
                          [&] { return backwardDesc<dnnl::convolution_backward_weights>(g); });

  auto dw = newFloats(env, g.weightsSize());
  auto& stream = cpuStream();
  memory userDw = userMemory(g.userWeights(), dw.Data());
  memory target = entry->needsReorder ? entry->buffer : userDw;
  entry->primitive.execute(stream, {{DNNL_ARG_SRC, userMemory(g.src(), x)},
                                    {DNNL_ARG_DIFF_DST, userMemory(g.dst(), dy)},
                                    {DNNL_ARG_DIFF_WEIGHTS, target}});
  if (entry->needsReorder) {
    stream.wait();
    SerialScope serial(g.weightsSize() < kSerialElements);
    entry->reorder.execute(stream, entry->buffer, userDw);
  }
  stream.wait();
  return dw;
}

}  // namespace

void registerConvolution(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "conv2d", Conv2d);
  exportFunction(env, exports, "conv2dBackpropInput", Conv2dBackpropInput);
  exportFunction(env, exports, "conv2dBackpropFilter", Conv2dBackpropFilter);
}

}  // namespace ssdet
