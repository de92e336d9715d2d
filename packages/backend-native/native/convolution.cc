// 2-D convolution forward (with optional bias and activation), and its data and filter gradients,
// on tfjs's layouts: activations NHWC and filters HWIO, described to oneDNN as such so that inputs
// and outputs are read and written in place. Filters are reordered into the blocked format the
// chosen implementation prefers (small next to the activations).
#include "convolution.h"

#include "dnnl_context.h"

namespace ssdet {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

/** n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pad top, bottom, left, right. */
struct ConvGeometry {
  int64_t n, ih, iw, ic, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pb, pl, pr;

  static ConvGeometry from(const dims_t& g, Napi::Env env) {
    if (g.size() != 17) throw Napi::RangeError::New(env, "convolution geometry needs 17 integers");
    return {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8],
            g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
  }
  memory::desc src() const { return {{n, ic, ih, iw}, f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, oc, oh, ow}, f32, tag::nhwc}; }
  memory::desc anyWeights() const { return {{oc, ic, kh, kw}, f32, tag::any}; }
  memory::desc userWeights() const { return {{oc, ic, kh, kw}, f32, tag::hwio}; }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilations() const { return {dh - 1, dw - 1}; }
  memory::dims padLeft() const { return {pt, pl}; }
  memory::dims padRight() const { return {pb, pr}; }
  int64_t srcSize() const { return n * ih * iw * ic; }
  int64_t dstSize() const { return n * oh * ow * oc; }
  int64_t weightsSize() const { return kh * kw * ic * oc; }
  int64_t flops() const { return 2 * dstSize() * kh * kw * ic; }
};

dnnl::convolution_forward::primitive_desc forwardDesc(const ConvGeometry& g, bool withBias,
                                                      Activation activation, float alpha,
                                                      dnnl::prop_kind prop) {
  memory::desc bias({g.oc}, f32, tag::a);
  auto desc = withBias ? dnnl::convolution_forward::desc(
                             prop, dnnl::algorithm::convolution_direct, g.src(), g.anyWeights(),
                             bias, g.dst(), g.strides(), g.dilations(), g.padLeft(), g.padRight())
                       : dnnl::convolution_forward::desc(
                             prop, dnnl::algorithm::convolution_direct, g.src(), g.anyWeights(),
                             g.dst(), g.strides(), g.dilations(), g.padLeft(), g.padRight());
  dnnl::post_ops ops;
  appendActivation(ops, activation, alpha);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return {desc, attr, cpuEngine()};
}

/** A primitive plus the buffer that holds the filter in the primitive's preferred format. */
template <typename Primitive>
struct WithWeights {
  Primitive primitive;
  memory::desc preferred;
  memory buffer;
  dnnl::reorder toPreferred;  // from user HWIO (forward, data grad) or back to it (filter grad)
  bool needsReorder;
};

template <typename Primitive, typename Desc>
WithWeights<Primitive> withWeights(const Desc& pd, const memory::desc& preferred,
                                   const ConvGeometry& g, bool intoUser) {
  memory::desc user = g.userWeights();
  bool needsReorder = preferred != user;
  memory buffer = needsReorder ? memory(preferred, cpuEngine()) : memory();
  dnnl::reorder reorder;
  if (needsReorder) {
    SerialScope serial(g.weightsSize() < kSerialElements);
    auto& engine = cpuEngine();
    reorder = intoUser ? dnnl::reorder({engine, preferred, engine, user})
                       : dnnl::reorder({engine, user, engine, preferred});
  }
  return {Primitive(pd), preferred, buffer, reorder, needsReorder};
}

memory userMemory(const memory::desc& desc, float* data) {
  return memory(desc, cpuEngine(), data);
}

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto g = ConvGeometry::from(intsArg(info, 2, "geometry"), env);
  SerialScope scope(g.flops() < kSerialFlops);
  float* x = floatsArg(info, 0, g.srcSize(), "x");
  float* w = floatsArg(info, 1, g.weightsSize(), "filter");
  float* bias = optionalFloatsArg(info, 3, g.oc, "bias");
  auto activation = static_cast<Activation>(static_cast<int>(numberArg(info, 4, "activation")));
  float alpha = static_cast<float>(numberArg(info, 5, "alpha"));

  dims_t keyDims{g.n, g.ih, g.iw, g.ic, g.kh, g.kw, g.oc, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw,
                 g.pt, g.pb, g.pl, g.pr, bias != nullptr, static_cast<int64_t>(activation),
                 static_cast<int64_t>(alpha * 1e6f)};
  auto entry = cached<WithWeights<dnnl::convolution_forward>>(cacheKey("conv", keyDims), [&] {
    auto pd = forwardDesc(g, bias != nullptr, activation, alpha,
                          dnnl::prop_kind::forward_inference);
    return withWeights<dnnl::convolution_forward>(pd, pd.weights_desc(), g, false);
  });

  auto y = newFloats(env, g.dstSize());
  auto& stream = cpuStream();
  memory userW = userMemory(g.userWeights(), w);
  memory weights = userW;
  if (entry->needsReorder) {
    SerialScope serial(g.weightsSize() < kSerialElements);
    entry->toPreferred.execute(stream, userW, entry->buffer);
    weights = entry->buffer;
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, userMemory(g.src(), x)},
                                       {DNNL_ARG_WEIGHTS, weights},
                                       {DNNL_ARG_DST, userMemory(g.dst(), y.Data())}};
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, userMemory({{g.oc}, f32, tag::a}, bias));
  entry->primitive.execute(stream, args);
  stream.wait();
  return y;
}

Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto g = ConvGeometry::from(intsArg(info, 2, "geometry"), env);
  SerialScope scope(g.flops() < kSerialFlops);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  float* w = floatsArg(info, 1, g.weightsSize(), "filter");

  dims_t keyDims{g.n, g.ih, g.iw, g.ic, g.kh, g.kw, g.oc, g.oh, g.ow,
                 g.sh, g.sw, g.dh, g.dw, g.pt, g.pb, g.pl, g.pr};
  auto entry = cached<WithWeights<dnnl::convolution_backward_data>>(
      cacheKey("conv_bwd_data", keyDims), [&] {
        auto hint = forwardDesc(g, false, Activation::Linear, 0.f,
                                dnnl::prop_kind::forward_training);
        dnnl::convolution_backward_data::desc desc(
            dnnl::algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(), g.strides(),
            g.dilations(), g.padLeft(), g.padRight());
        dnnl::convolution_backward_data::primitive_desc pd(desc, cpuEngine(), hint);
        return withWeights<dnnl::convolution_backward_data>(pd, pd.weights_desc(), g, false);
      });

  auto dx = newFloats(env, g.srcSize());
  auto& stream = cpuStream();
  memory userW = userMemory(g.userWeights(), w);
  memory weights = userW;
  if (entry->needsReorder) {
    SerialScope serial(g.weightsSize() < kSerialElements);
    entry->toPreferred.execute(stream, userW, entry->buffer);
    weights = entry->buffer;
  }
  entry->primitive.execute(stream, {{DNNL_ARG_DIFF_DST, userMemory(g.dst(), dy)},
                                    {DNNL_ARG_WEIGHTS, weights},
                                    {DNNL_ARG_DIFF_SRC, userMemory(g.src(), dx.Data())}});
  stream.wait();
  return dx;
}

Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto g = ConvGeometry::from(intsArg(info, 2, "geometry"), env);
  SerialScope scope(g.flops() < kSerialFlops);
  float* x = floatsArg(info, 0, g.srcSize(), "x");
  float* dy = floatsArg(info, 1, g.dstSize(), "dy");

  dims_t keyDims{g.n, g.ih, g.iw, g.ic, g.kh, g.kw, g.oc, g.oh, g.ow,
                 g.sh, g.sw, g.dh, g.dw, g.pt, g.pb, g.pl, g.pr};
  auto entry = cached<WithWeights<dnnl::convolution_backward_weights>>(
      cacheKey("conv_bwd_filter", keyDims), [&] {
        auto hint = forwardDesc(g, false, Activation::Linear, 0.f,
                                dnnl::prop_kind::forward_training);
        dnnl::convolution_backward_weights::desc desc(
            dnnl::algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(), g.strides(),
            g.dilations(), g.padLeft(), g.padRight());
        dnnl::convolution_backward_weights::primitive_desc pd(desc, cpuEngine(), hint);
        return withWeights<dnnl::convolution_backward_weights>(pd, pd.diff_weights_desc(), g,
                                                               true);
      });

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
    entry->toPreferred.execute(stream, entry->buffer, userDw);
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
