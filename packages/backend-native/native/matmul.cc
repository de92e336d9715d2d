// Batched matrix product `C[b] = op(A[b]) · op(B[b])` (+ bias over the last axis, + activation),
// tfjs's BatchMatMul and _FusedMatMul. Transposition is expressed through strides, so A and B are
// read where they are; a batch of 1 on either side broadcasts.
#include "matmul.h"

#include "dnnl_context.h"

namespace ssdet {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

/** A matmul's shapes (MatMulAttrs in src/native-addon.ts): [batchA, m, k] · [batchB, k, n]. */
struct MatmulGeometry {
  int64_t batchA, batchB, m, k, n;
  bool transposeA, transposeB;

  static MatmulGeometry read(const Attrs& a) {
    return {a.getInt("batchA", 0),       a.getInt("batchB", 0),       a.getInt("m", 0),
            a.getInt("k", 0),            a.getInt("n", 0),            a.getBool("transposeA"),
            a.getBool("transposeB")};
  }

  memory::desc a() const {
    return transposeA ? memory::desc({batchA, m, k}, f32, memory::dims{m * k, 1, m})
                      : memory::desc({batchA, m, k}, f32, memory::dims{m * k, k, 1});
  }
  memory::desc b() const {
    return transposeB ? memory::desc({batchB, k, n}, f32, memory::dims{k * n, 1, k})
                      : memory::desc({batchB, k, n}, f32, memory::dims{k * n, n, 1});
  }
  int64_t batch() const { return batchA > batchB ? batchA : batchB; }
  memory::desc c() const { return {{batch(), m, n}, f32, tag::abc}; }
  memory::desc bias() const { return {{1, 1, n}, f32, tag::abc}; }
};

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = MatmulGeometry::read(Attrs(info, 3, "matmul"));
  SerialScope scope(2 * g.batch() * g.m * g.n * g.k < kSerialFlops);
  float* a = floatsArg(info, 0, g.batchA * g.m * g.k, "a");
  float* b = floatsArg(info, 1, g.batchB * g.k * g.n, "b");
  float* bias = optionalFloatsArg(info, 2, g.n, "bias");
  const Attrs fused(info, 4, "matmul", "fused");
  const auto activation = fused.getOp<Activation>("activation");
  const auto alpha = static_cast<float>(fused.getNumber("leakyreluAlpha"));

  dims_t keyDims{g.batchA, g.batchB, g.m, g.k, g.n, g.transposeA, g.transposeB, bias != nullptr,
                 static_cast<int64_t>(activation), static_cast<int64_t>(alpha * 1e6f)};
  auto primitive = cached<dnnl::matmul>(cacheKey("matmul", keyDims), [&] {
    auto desc = bias != nullptr ? dnnl::matmul::desc(g.a(), g.b(), g.bias(), g.c())
                                : dnnl::matmul::desc(g.a(), g.b(), g.c());
    dnnl::post_ops ops;
    appendActivation(ops, activation, alpha);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    return dnnl::matmul(dnnl::matmul::primitive_desc(desc, attr, cpuEngine()));
  });

  auto c = newFloats(env, g.batch() * g.m * g.n);
  auto& engine = cpuEngine();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(g.a(), engine, a)},
                                       {DNNL_ARG_WEIGHTS, memory(g.b(), engine, b)},
                                       {DNNL_ARG_DST, memory(g.c(), engine, c.Data())}};
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, memory(g.bias(), engine, bias));
  auto& stream = cpuStream();
  primitive->execute(stream, args);
  stream.wait();
  return c;
}

}  // namespace

void registerMatmul(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "matmul", Matmul);
}

}  // namespace ssdet
