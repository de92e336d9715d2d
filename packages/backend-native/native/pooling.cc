// 2-D max and average pooling on NHWC maps, and their gradients. Average pooling divides by the
// number of *in-bounds* values forward but by the full window backward, as tfjs-backend-cpu does,
// so that both backends give the same numbers (for 'valid' padding the two agree anyway).
// Max pooling's gradient re-runs the forward pass to get oneDNN's argmax workspace: tfjs's
// MaxPoolGrad receives the input, not the positions.
#include "pooling.h"

#include "dnnl_context.h"

namespace ssdet {
namespace {

using dnnl::algorithm;
using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

/** A pooling's attributes (Window2DAttrs in src/native-addon.ts); as many channels out as in. */
struct PoolGeometry {
  Window2d w;

  static PoolGeometry read(const Attrs& a) { return {Window2d::read(a)}; }
  /** Every attribute, for a primitive-cache key. */
  dims_t key() const {
    dims_t key;
    w.appendKey(key);
    return key;
  }
  memory::desc src() const {
    return {{w.batch, w.inChannels, w.inHeight, w.inWidth}, f32, tag::nhwc};
  }
  memory::desc dst() const {
    return {{w.batch, w.inChannels, w.outHeight, w.outWidth}, f32, tag::nhwc};
  }
  memory::dims strides() const { return {w.strideHeight, w.strideWidth}; }
  memory::dims kernel() const { return {w.filterHeight, w.filterWidth}; }
  memory::dims padLeft() const { return {w.padTop, w.padLeft}; }
  memory::dims padRight() const { return {w.padBottom, w.padRight}; }
  dnnl::pooling_forward::desc forward(dnnl::prop_kind prop, algorithm alg) const {
    return {prop, alg, src(), dst(), strides(), kernel(), padLeft(), padRight()};
  }
  dnnl::pooling_backward::desc backward(algorithm alg) const {
    return {alg, src(), dst(), strides(), kernel(), padLeft(), padRight()};
  }
  int64_t srcSize() const { return w.batch * w.inHeight * w.inWidth * w.inChannels; }
  int64_t dstSize() const { return w.batch * w.outHeight * w.outWidth * w.inChannels; }
};

struct MaxPoolGrad {
  dnnl::pooling_forward forward;
  dnnl::pooling_backward backward;
  memory workspace;
  memory scratchDst;
};

Napi::Value Pool(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto op = opArg<PoolOp>(info, 0, "op");
  const auto g = PoolGeometry::read(Attrs(info, 2, "pool"));
  SerialScope scope(g.srcSize() < kSerialElements);
  float* x = floatsArg(info, 1, g.srcSize(), "x");
  const bool isMax = op == PoolOp::Max;
  dims_t key = g.key();
  key.push_back(isMax);
  auto primitive = cached<dnnl::pooling_forward>(cacheKey("pool", key), [&] {
    auto alg = isMax ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
    return dnnl::pooling_forward(
        {g.forward(dnnl::prop_kind::forward_inference, alg), cpuEngine()});
  });
  auto y = newFloats(env, g.dstSize());
  auto& stream = cpuStream();
  primitive->execute(stream, {{DNNL_ARG_SRC, memory(g.src(), cpuEngine(), x)},
                              {DNNL_ARG_DST, memory(g.dst(), cpuEngine(), y.Data())}});
  stream.wait();
  return y;
}

Napi::Value MaxPoolBackprop(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = PoolGeometry::read(Attrs(info, 2, "maxPoolBackprop"));
  SerialScope scope(g.srcSize() < kSerialElements);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  float* x = floatsArg(info, 1, g.srcSize(), "x");
  auto entry = cached<MaxPoolGrad>(cacheKey("max_pool_grad", g.key()), [&] {
    auto& engine = cpuEngine();
    dnnl::pooling_forward::primitive_desc forward(
        g.forward(dnnl::prop_kind::forward_training, algorithm::pooling_max), engine);
    dnnl::pooling_backward::primitive_desc backward(g.backward(algorithm::pooling_max), engine,
                                                    forward);
    return MaxPoolGrad{dnnl::pooling_forward(forward), dnnl::pooling_backward(backward),
                       memory(forward.workspace_desc(), engine), memory(g.dst(), engine)};
  });
  auto dx = newFloats(env, g.srcSize());
  auto& stream = cpuStream();
  auto& engine = cpuEngine();
  entry->forward.execute(stream, {{DNNL_ARG_SRC, memory(g.src(), engine, x)},
                                  {DNNL_ARG_DST, entry->scratchDst},
                                  {DNNL_ARG_WORKSPACE, entry->workspace}});
  entry->backward.execute(stream, {{DNNL_ARG_DIFF_DST, memory(g.dst(), engine, dy)},
                                   {DNNL_ARG_WORKSPACE, entry->workspace},
                                   {DNNL_ARG_DIFF_SRC, memory(g.src(), engine, dx.Data())}});
  stream.wait();
  return dx;
}

Napi::Value AvgPoolBackprop(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = PoolGeometry::read(Attrs(info, 1, "avgPoolBackprop"));
  SerialScope scope(g.srcSize() < kSerialElements);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  auto primitive = cached<dnnl::pooling_backward>(cacheKey("avg_pool_grad", g.key()), [&] {
    auto alg = algorithm::pooling_avg_include_padding;
    dnnl::pooling_forward::primitive_desc hint(g.forward(dnnl::prop_kind::forward_training, alg),
                                               cpuEngine());
    return dnnl::pooling_backward({g.backward(alg), cpuEngine(), hint});
  });
  auto dx = newFloats(env, g.srcSize());
  auto& stream = cpuStream();
  primitive->execute(stream, {{DNNL_ARG_DIFF_DST, memory(g.dst(), cpuEngine(), dy)},
                              {DNNL_ARG_DIFF_SRC, memory(g.src(), cpuEngine(), dx.Data())}});
  stream.wait();
  return dx;
}

}  // namespace

void registerPooling(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "pool", Pool);
  exportFunction(env, exports, "maxPoolBackprop", MaxPoolBackprop);
  exportFunction(env, exports, "avgPoolBackprop", AvgPoolBackprop);
}

}  // namespace ssdet
