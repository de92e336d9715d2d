// The one definition of every op code that crosses the N-API boundary. Each family is a list of
// names; from it come the C++ enum the kernels switch on and the table the addon exports as
// `addon.opCodes` (`{ binary: { Add: 0, Sub: 1, … }, unary: { … }, … }`, frozen), from which
// the TypeScript kernels read the codes by name. Adding an op means adding its name here, its
// case in the kernel and its name in src/op-codes.ts; no number is written anywhere.
#pragma once

#include <napi.h>

#include <cmath>
#include <string>

namespace ssdet {

// Element-wise `out = a ∘ b` (elementwise.cc). ReluGrad: a = dy, b = the ReLU's output.
#define SSDET_BINARY_OPS(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(Max) X(Min) X(SquaredDifference) X(ReluGrad)

// Element-wise `out = f(x)` (elementwise.cc); Step and LeakyRelu take α.
#define SSDET_UNARY_OPS(X)                                                                      \
  X(Neg) X(Square) X(Sqrt) X(Rsqrt) X(Exp) X(Log) X(Abs) X(Relu) X(Relu6) X(Sigmoid) X(Tanh) \
  X(Step) X(Reciprocal) X(Elu) X(LeakyRelu) X(Log1p) X(Floor)

// Reductions over any axes (reduction.cc).
#define SSDET_REDUCE_OPS(X) X(Sum) X(Mean) X(Max) X(Min)

// Activations fused into a convolution or matmul as oneDNN post-ops (dnnl_context.cc).
#define SSDET_ACTIVATIONS(X) X(Linear) X(Relu) X(Relu6) X(Elu) X(LeakyRelu) X(Sigmoid)

// 2-D pooling (pooling.cc).
#define SSDET_POOL_OPS(X) X(Max) X(Avg)

/** A family's name in `addon.opCodes` and its ops' names, indexed by code (specialised below). */
template <typename Op>
struct OpFamily;

#define SSDET_OP_ENUMERATOR(name) name,
#define SSDET_OP_NAME(name) #name,
#define SSDET_DEFINE_OPS(Enum, family, LIST)                               \
  enum class Enum { LIST(SSDET_OP_ENUMERATOR) };                           \
  template <>                                                              \
  struct OpFamily<Enum> {                                                  \
    static constexpr const char* name = family;                            \
    static constexpr const char* names[] = {LIST(SSDET_OP_NAME)};          \
    static constexpr int count = sizeof(names) / sizeof(names[0]);         \
  };

SSDET_DEFINE_OPS(BinaryOp, "binary", SSDET_BINARY_OPS)
SSDET_DEFINE_OPS(UnaryOp, "unary", SSDET_UNARY_OPS)
SSDET_DEFINE_OPS(ReduceOp, "reduce", SSDET_REDUCE_OPS)
SSDET_DEFINE_OPS(Activation, "activation", SSDET_ACTIVATIONS)
SSDET_DEFINE_OPS(PoolOp, "pool", SSDET_POOL_OPS)

#undef SSDET_DEFINE_OPS
#undef SSDET_OP_NAME
#undef SSDET_OP_ENUMERATOR

/** Whether `value` is one of the codes of `Op`'s family; if so, stores it in `op`. */
template <typename Op>
bool asOp(const Napi::Value& value, Op* op) {
  const double code = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(code >= 0 && code < OpFamily<Op>::count && code == std::floor(code))) return false;
  *op = static_cast<Op>(static_cast<int>(code));
  return true;
}

/** The RangeError for `what`, which is not a code of `Op`'s family. */
template <typename Op>
Napi::Error badOp(Napi::Env env, const std::string& what) {
  return Napi::RangeError::New(env, what + " must be one of addon.opCodes." + OpFamily<Op>::name +
                                        " (an integer in [0, " +
                                        std::to_string(OpFamily<Op>::count) + "))");
}

/** Argument `index` of a kernel call as an op of `Op`'s family; a RangeError naming `what` if not. */
template <typename Op>
Op opArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  Op op;
  if (!asOp(info[index], &op)) throw badOp<Op>(info.Env(), what);
  return op;
}

/** Sets `exports.opCodes` to the frozen table of every family above. */
void exportOpCodes(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
