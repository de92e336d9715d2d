// One call per variable for the optimizer updates of @ssdet/core (SGD with momentum, SoCo's LARS,
// AdamW) and for the momentum (EMA) update of a target network, with the same formulas as their
// tfjs-op versions, which cost several kernel calls and temporaries each. Each takes
// `(inputs, attrs, into?)`: the variable, its gradient and its slots as Float32Arrays, the
// hyper-parameters by name (the attributes of @ssdet/core's fused-update kernels), and where to
// write. Each updated input (the variable and its slots) is written to a new array or, when
// `into` names one, to that array — the input's own, so that an update whose variable nothing
// else references runs in place, as PyTorch's does, instead of faulting in fresh memory for every
// variable and slot on every step (3.6 GB per step for DetCo's largest heads). The arrays written
// are returned in input order. In-place is safe in every loop below: element i reads only index
// i of each input before it writes index i of each output.
#include "optimizer_updates.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

#include "dnnl_context.h"

namespace ssdet {
namespace {

bool isFloats(const Napi::Value& value, size_t length) {
  return value.IsTypedArray() &&
         value.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array &&
         value.As<Napi::Float32Array>().ElementLength() >= length;
}

/** How an update treats an input: replaced by a new array (the variable and its slots) or not. */
enum class Role { Updated, ReadOnly, UpdatedScalar };

struct Input {
  const char* name;
  Role role = Role::Updated;
};

/**
 * The arguments of one update call — the inputs (argument 0, an array in `inputs`' order, the
 * variable first, all of its length but an UpdatedScalar's one value), the attributes
 * (argument 1) and, optionally, where to write (argument 2: one entry per updated input, a
 * Float32Array of its length or null for a new array) — and the arrays written, returned in
 * input order.
 */
class Update {
 public:
  Update(const Napi::CallbackInfo& info, const char* rule, std::initializer_list<Input> inputs)
      : attrs(info, 1, rule), result_(Napi::Array::New(info.Env())) {
    auto env = info.Env();
    if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() != inputs.size()) {
      throw Napi::TypeError::New(env, std::string(rule) + ": inputs must be an array of " +
                                          std::to_string(inputs.size()) + " Float32Arrays");
    }
    auto list = info[0].As<Napi::Array>();
    const Napi::Value variable = list.Get(uint32_t{0});
    if (!variable.IsTypedArray()) {
      throw Napi::TypeError::New(env,
                                 std::string(rule) + ": inputs[0] (variable) must be a Float32Array");
    }
    n = static_cast<int64_t>(variable.As<Napi::TypedArray>().ElementLength());
    const size_t updatedCount = static_cast<size_t>(
        std::count_if(inputs.begin(), inputs.end(),
                      [](const Input& input) { return input.role != Role::ReadOnly; }));
    const bool hasInto = info.Length() > 2 && !info[2].IsUndefined();
    if (hasInto &&
        (!info[2].IsArray() || info[2].As<Napi::Array>().Length() != updatedCount)) {
      throw Napi::TypeError::New(env, std::string(rule) + ": into must be an array of " +
                                          std::to_string(updatedCount) +
                                          " Float32Arrays or nulls");
    }
    uint32_t i = 0, updated = 0;
    for (const Input& input : inputs) {
      const size_t length = input.role == Role::UpdatedScalar ? 1 : static_cast<size_t>(n);
      const Napi::Value value = list.Get(i);
      if (isFloats(value, length)) {
        in_.push_back(value.As<Napi::Float32Array>().Data());
      } else {  // throws, naming the input
        floatsOf(env, value, length,
                 std::string(rule) + ": inputs[" + std::to_string(i) + "] (" + input.name + ")");
      }
      ++i;
      if (input.role == Role::ReadOnly) {
        out_.push_back(nullptr);
        continue;
      }
      const Napi::Value target =
          hasInto ? info[2].As<Napi::Array>().Get(updated) : env.Null();
      Napi::Float32Array output;
      if (target.IsNull()) {
        output = newFloats(env, length);
      } else if (isFloats(target, length)) {
        output = target.As<Napi::Float32Array>();
      } else {  // throws, naming the entry
        floatsOf(env, target, length,
                 std::string(rule) + ": into[" + std::to_string(updated) + "] (" + input.name +
                     ")");
      }
      out_.push_back(output.Data());
      result_.Set(updated++, output);
    }
  }

  /** The variable's length. */
  int64_t n = 0;
  const Attrs attrs;

  const float* in(size_t i) const { return in_[i]; }
  /** The new array of updated input `i`. */
  float* out(size_t i) const { return out_[i]; }
  /** The new arrays, in input order. */
  Napi::Value result() const { return result_; }

 private:
  std::vector<const float*> in_;
  std::vector<float*> out_;
  Napi::Array result_;
};

/** What SGD and LARS share: a variable, its gradient and momentum buffer, and their rates. */
struct MomentumUpdate : Update {
  MomentumUpdate(const Napi::CallbackInfo& info, const char* rule)
      : Update(info, rule, {{"variable"}, {"gradient", Role::ReadOnly}, {"buffer"}}),
        w(in(0)),
        g(in(1)),
        b(in(2)),
        ow(out(0)),
        ob(out(2)),
        lr(static_cast<float>(attrs.getNumber("lr"))),
        momentum(static_cast<float>(attrs.getNumber("momentum"))),
        decay(static_cast<float>(attrs.getNumber("weightDecay"))) {}

  const float *w, *g, *b;
  float *ow, *ob;
  const float lr, momentum, decay;
};

/** d = g + λw; b ← μb + d; w ← w − lr·(nesterov ? d + μb : b). */
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  const MomentumUpdate u(info, "sgdUpdate");
  const bool nesterov = u.attrs.getBool("nesterov");
  const float *w = u.w, *g = u.g, *b = u.b;
  float *ow = u.ow, *ob = u.ob;
  const float lr = u.lr, momentum = u.momentum, decay = u.decay;
  const int64_t n = u.n;
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + decay * w[i];
    const float buffer = momentum * b[i] + d;
    ob[i] = buffer;
    ow[i] = w[i] - lr * (nesterov ? d + momentum * buffer : buffer);
  }
  return u.result();
}

/**
 * d = g + λw; if adapted and ‖w‖, ‖d‖ > 0: d ← d·η‖w‖/(‖d‖ + ε); b ← μb + d; w ← w − lr·b.
 */
Napi::Value LarsUpdate(const Napi::CallbackInfo& info) {
  const MomentumUpdate u(info, "larsUpdate");
  const double trust = u.attrs.getNumber("trustCoefficient");
  const double eps = u.attrs.getNumber("eps");
  const bool adapted = u.attrs.getBool("adapted");
  const float *w = u.w, *g = u.g, *b = u.b;
  float *ow = u.ow, *ob = u.ob;
  const float lr = u.lr, momentum = u.momentum, decay = u.decay;
  const int64_t n = u.n;
  float scale = 1;
  if (adapted) {
    double weightSq = 0, gradientSq = 0;
#pragma omp parallel for reduction(+ : weightSq, gradientSq) schedule(static) if (n > kSerialElements)
    for (int64_t i = 0; i < n; ++i) {
      const double d = g[i] + decay * w[i];
      weightSq += static_cast<double>(w[i]) * w[i];
      gradientSq += d * d;
    }
    const double weightNorm = std::sqrt(weightSq), gradientNorm = std::sqrt(gradientSq);
    if (weightNorm > 0 && gradientNorm > 0) {
      scale = static_cast<float>(trust * weightNorm / (gradientNorm + eps));
    }
  }
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float buffer = momentum * b[i] + (g[i] + decay * w[i]) * scale;
    ob[i] = buffer;
    ow[i] = w[i] - lr * buffer;
  }
  return u.result();
}

/**
 * t ← t + 1; w ← w(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
 * w ← w − lr/(1 − β₁ᵗ) · m/(√v/√(1 − β₂ᵗ) + ε), with 1 − βᵗ = −expm1(t·ln β) in double.
 */
Napi::Value AdamWUpdate(const Napi::CallbackInfo& info) {
  const Update u(info, "adamwUpdate",
                 {{"variable"}, {"gradient", Role::ReadOnly}, {"expAvg"}, {"expAvgSq"},
                  {"step", Role::UpdatedScalar}});
  const float* w = u.in(0);
  const float* g = u.in(1);
  const float* m = u.in(2);
  const float* v = u.in(3);
  const float* step = u.in(4);
  const double lr = u.attrs.getNumber("lr");
  const double beta1 = u.attrs.getNumber("beta1");
  const double beta2 = u.attrs.getNumber("beta2");
  const auto eps = static_cast<float>(u.attrs.getNumber("eps"));
  const double decay = u.attrs.getNumber("weightDecay");
  const float t = step[0] + 1;
  auto correction = [t](double beta) { return beta == 0 ? 1.0 : -std::expm1(t * std::log(beta)); };
  const auto stepSize = static_cast<float>(lr / correction(beta1));
  const auto rootCorrection2 = static_cast<float>(std::sqrt(correction(beta2)));
  const auto keep = static_cast<float>(1 - lr * decay);
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  float* ow = u.out(0);
  float* om = u.out(2);
  float* ov = u.out(3);
  u.out(4)[0] = t;
  const int64_t n = u.n;
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float mi = b1 * m[i] + (1 - b1) * g[i];
    const float vi = b2 * v[i] + (1 - b2) * g[i] * g[i];
    om[i] = mi;
    ov[i] = vi;
    ow[i] = w[i] * keep - stepSize * (mi / (std::sqrt(vi) / rootCorrection2 + eps));
  }
  return u.result();
}

/**
 * t ← m·t + (1 − m)·s: the momentum (EMA) update of a target network's variable `t` towards the
 * online network's `s`. As the tfjs ops it replaces (`add(mul(t, m), mul(s, 1 − m))`), both
 * factors are rounded to float32 (1 − m taken in double first) and each product is rounded before
 * the sum, so the result is the same to the bit (x86-64 without -mfma does not contract the two).
 */
Napi::Value EmaUpdate(const Napi::CallbackInfo& info) {
  const Update u(info, "emaUpdate", {{"target"}, {"online", Role::ReadOnly}});
  const double momentum = u.attrs.getNumber("momentum");
  const auto keep = static_cast<float>(momentum);
  const auto take = static_cast<float>(1 - momentum);
  const float* t = u.in(0);
  const float* s = u.in(1);
  float* ot = u.out(0);
  const int64_t n = u.n;
#pragma omp parallel for simd schedule(static) if (n > kSerialElements)
  for (int64_t i = 0; i < n; ++i) {
    const float kept = t[i] * keep;
    const float taken = s[i] * take;
    ot[i] = kept + taken;
  }
  return u.result();
}

}  // namespace

void registerOptimizerUpdates(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "sgdUpdate", SgdUpdate);
  exportFunction(env, exports, "larsUpdate", LarsUpdate);
  exportFunction(env, exports, "adamwUpdate", AdamWUpdate);
  exportFunction(env, exports, "emaUpdate", EmaUpdate);
}

}  // namespace ssdet
