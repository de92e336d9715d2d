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

/** n, ih, iw, c, kh, kw, oh, ow, sh, sw, pad top, bottom, left, right. */
struct PoolGeometry {
  int64_t n, ih, iw, c, kh, kw, oh, ow, sh, sw, pt, pb, pl, pr;

  static PoolGeometry from(const dims_t& g, Napi::Env env) {
    if (g.size() != 14) throw Napi::RangeError::New(env, "pooling geometry needs 14 integers");
    return {g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13]};
  }
  memory::desc src() const { return {{n, c, ih, iw}, f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, c, oh, ow}, f32, tag::nhwc}; }
  dnnl::pooling_forward::desc forward(dnnl::prop_kind prop, algorithm alg) const {
    return {prop, alg, src(), dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr}};
  }
  dnnl::pooling_backward::desc backward(algorithm alg) const {
    return {alg, src(), dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr}};
  }
  int64_t srcSize() const { return n * ih * iw * c; }
  int64_t dstSize() const { return n * oh * ow * c; }
};

struct MaxPoolGrad {
  dnnl::pooling_forward forward;
  dnnl::pooling_backward backward;
  memory workspace;
  memory scratchDst;
};

Napi::Value Pool(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto raw = intsArg(info, 1, "geometry");
  auto g = PoolGeometry::from(raw, env);
  SerialScope scope(g.srcSize() < kSerialElements);
  float* x = floatsArg(info, 0, g.srcSize(), "x");
  bool isMax = numberArg(info, 2, "kind") == 0;
  raw.push_back(isMax);
  auto primitive = cached<dnnl::pooling_forward>(cacheKey("pool", raw), [&] {
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
  auto raw = intsArg(info, 2, "geometry");
  auto g = PoolGeometry::from(raw, env);
  SerialScope scope(g.srcSize() < kSerialElements);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  float* x = floatsArg(info, 1, g.srcSize(), "x");
  auto entry = cached<MaxPoolGrad>(cacheKey("max_pool_grad", raw), [&] {
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
  auto raw = intsArg(info, 1, "geometry");
  auto g = PoolGeometry::from(raw, env);
  SerialScope scope(g.srcSize() < kSerialElements);
  float* dy = floatsArg(info, 0, g.dstSize(), "dy");
  auto primitive = cached<dnnl::pooling_backward>(cacheKey("avg_pool_grad", raw), [&] {
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
