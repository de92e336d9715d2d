#include "dnnl_context.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "attrs.h"

namespace ssdet {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

std::unordered_map<std::string, std::shared_ptr<void>>& primitiveCache() {
  static std::unordered_map<std::string, std::shared_ptr<void>> cache;
  return cache;
}

std::string cacheKey(const char* name, const dims_t& values) {
  std::string key(name);
  key += ':';
  for (int64_t value : values) {
    key += std::to_string(value);
    key += ',';
  }
  return key;
}

dims_t intsArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an array of integers");
  }
  auto array = info[index].As<Napi::Array>();
  dims_t values(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    values[i] = array.Get(i).As<Napi::Number>().Int64Value();
  }
  return values;
}

float* floatsOf(Napi::Env env, const Napi::Value& value, size_t expected, const std::string& name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, name + " must be a Float32Array");
  }
  auto array = value.As<Napi::Float32Array>();
  if (array.ElementLength() < expected) {
    throw Napi::RangeError::New(env, name + " holds " + std::to_string(array.ElementLength()) +
                                         " values; its shape needs " + std::to_string(expected));
  }
  return array.Data();
}

float* floatsArg(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* name) {
  return floatsOf(info.Env(), info[index], expected, name);
}

float* optionalFloatsArg(const Napi::CallbackInfo& info, size_t index, size_t expected,
                         const char* name) {
  if (info[index].IsNull() || info[index].IsUndefined()) return nullptr;
  return floatsArg(info, index, expected, name);
}

double numberArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

namespace {

// SSDET_NATIVE_POISON=1 (set by the package's tests) fills every new output with NaN, so a kernel
// that leaves part of its output unwritten fails its test instead of reading as zeros.
const bool kPoisonOutputs = std::getenv("SSDET_NATIVE_POISON") != nullptr;

}  // namespace

namespace {

/**
 * JavaScript `(length) => Float32Array | null` offering recycled output arrays (see
 * NativeBackend), and the shortest length worth asking it for; kept per Node environment (main
 * thread or worker) and freed with it.
 */
struct OutputSource {
  Napi::FunctionReference offer;
  size_t minLength = 0;
};

OutputSource* outputSource(Napi::Env env) { return env.GetInstanceData<OutputSource>(); }

}  // namespace

Napi::Float32Array newFloats(Napi::Env env, size_t length) {
  Napi::Float32Array out;
  OutputSource* source = outputSource(env);
  if (source != nullptr && !source->offer.IsEmpty() && length >= source->minLength) {
    auto offered = source->offer.Call({Napi::Number::New(env, static_cast<double>(length))});
    if (offered.IsTypedArray() &&
        offered.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array &&
        offered.As<Napi::Float32Array>().ElementLength() == length) {
      out = offered.As<Napi::Float32Array>();
    }
  }
  if (out.IsEmpty()) {
    // A Node Buffer's memory comes from the same allocator as any ArrayBuffer's but is not
    // zero-filled: every kernel writes all of its output, and zeroing tens of megabytes per
    // activation costs as much as a ReLU.
    auto bytes = Napi::Buffer<uint8_t>::New(env, std::max<size_t>(length, 1) * sizeof(float));
    out = Napi::Float32Array::New(env, length, bytes.ArrayBuffer(), bytes.ByteOffset());
  }
  if (kPoisonOutputs) std::fill(out.Data(), out.Data() + length, std::numeric_limits<float>::quiet_NaN());
  return out;
}

Napi::Array outputArray(Napi::Env env, std::initializer_list<Napi::Value> outputs) {
  auto result = Napi::Array::New(env, outputs.size());
  uint32_t index = 0;
  for (const auto& output : outputs) result.Set(index++, output);
  return result;
}

Napi::Value SetOutputSource(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  OutputSource* source = outputSource(env);
  if (source == nullptr) {
    source = new OutputSource();
    env.SetInstanceData(source);
  }
  if (info[0].IsFunction()) {
    source->offer = Napi::Persistent(info[0].As<Napi::Function>());
    const Attrs attrs(info, 1, "setOutputSource");
    source->minLength = static_cast<size_t>(attrs.getInt("minLength", 1));
  } else {
    source->offer.Reset();
  }
  return env.Undefined();
}

int64_t product(const dims_t& dims) {
  int64_t size = 1;
  for (int64_t d : dims) size *= d;
  return size;
}

SerialScope::SerialScope(bool serial) : saved_(serial ? omp_get_max_threads() : 0) {
  if (serial) omp_set_num_threads(1);
}

SerialScope::~SerialScope() {
  if (saved_ > 0) omp_set_num_threads(saved_);
}

void exportFunction(Napi::Env env, Napi::Object exports, const char* name,
                    Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  std::string label(name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, label](const Napi::CallbackInfo& info) -> Napi::Value {
                          try {
                            return fn(info);
                          } catch (const Napi::Error&) {
                            throw;
                          } catch (const dnnl::error& e) {
                            throw Napi::Error::New(info.Env(), "oneDNN failed in " + label + ": " +
                                                                   e.what() + " (status " +
                                                                   std::to_string(e.status) + ")");
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), label + " failed: " + e.what());
                          }
                        },
                        name));
}

void appendActivation(dnnl::post_ops& ops, Activation activation, float alpha) {
  using dnnl::algorithm;
  switch (activation) {
    case Activation::Linear:
      return;
    case Activation::Relu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      return;
    case Activation::Relu6:
      ops.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f);
      return;
    case Activation::Elu:
      ops.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f);
      return;
    case Activation::LeakyRelu:
      ops.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f);
      return;
    case Activation::Sigmoid:
      ops.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f);
      return;
  }
}

}  // namespace ssdet
