// Shared plumbing for the kernels: the one oneDNN engine and stream, a cache of primitives keyed by
// their geometry (creating a oneDNN primitive costs far more than running a small one), and the
// conversions between JavaScript arguments and raw float buffers.
#pragma once

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "attrs.h"
#include "op_codes.h"

namespace ssdet {

using dims_t = std::vector<int64_t>;

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

/** Primitives already built, by key; cleared wholesale when it grows past a bound. */
std::unordered_map<std::string, std::shared_ptr<void>>& primitiveCache();

template <typename T, typename Make>
std::shared_ptr<T> cached(const std::string& key, Make make) {
  auto& cache = primitiveCache();
  auto found = cache.find(key);
  if (found != cache.end()) return std::static_pointer_cast<T>(found->second);
  if (cache.size() > 4096) cache.clear();
  auto built = std::make_shared<T>(make());
  cache.emplace(key, built);
  return built;
}

/** "name:1,2,3" — a cache key from an operation name and its integer geometry. */
std::string cacheKey(const char* name, const dims_t& values);

dims_t intsArg(const Napi::CallbackInfo& info, size_t index, const char* name);
/** `value` as a Float32Array of at least `expected` values; a TypeError or RangeError otherwise. */
float* floatsOf(Napi::Env env, const Napi::Value& value, size_t expected, const std::string& name);
float* floatsArg(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* name);
/** A Float32Array argument that may be `null` (then nullptr). */
float* optionalFloatsArg(const Napi::CallbackInfo& info, size_t index, size_t expected,
                         const char* name);
double numberArg(const Napi::CallbackInfo& info, size_t index, const char* name);
/** An output array: a recycled one from the JavaScript output source when it has one, else new. */
Napi::Float32Array newFloats(Napi::Env env, size_t length);
/** A kernel's several outputs as one JavaScript array, in order. */
Napi::Array outputArray(Napi::Env env, std::initializer_list<Napi::Value> outputs);
/**
 * `setOutputSource(fn, { minLength })` or `setOutputSource(null)`: where newFloats asks first for
 * a recycled array of `minLength` elements or more.
 */
Napi::Value SetOutputSource(const Napi::CallbackInfo& info);
int64_t product(const dims_t& dims);

/**
 * Exports `fn` as `name`, turning C++ exceptions (oneDNN throws dnnl::error) into JavaScript
 * Errors that name the kernel — an uncaught C++ exception would abort the Node process.
 */
void exportFunction(Napi::Env env, Napi::Object exports, const char* name,
                    Napi::Value (*fn)(const Napi::CallbackInfo&));

/**
 * Below these sizes a kernel runs on one thread (its oneDNN primitive is also *created* under
 * that limit, since oneDNN fixes its work split then): waking an OpenMP team costs more than it
 * saves on small tensors, and far more when the cores are shared with other processes.
 */
constexpr int64_t kSerialFlops = int64_t{1} << 22;
constexpr int64_t kSerialElements = int64_t{1} << 17;

/** Limits OpenMP to one thread for its lifetime when `serial`, then restores the count. */
class SerialScope {
 public:
  explicit SerialScope(bool serial);
  ~SerialScope();
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  int saved_;
};

/** Adds `activation` as an eltwise post-op; Linear adds nothing. */
void appendActivation(dnnl::post_ops& ops, Activation activation, float alpha);

}  // namespace ssdet
