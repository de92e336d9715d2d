// The OpenMP thread count that oneDNN and the hand-written loops use. Node calls every kernel
// from its main thread, so setting it there governs all of them.
#include "threads.h"

#include <omp.h>

#include "dnnl_context.h"

namespace ssdet {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int count = info[0].As<Napi::Number>().Int32Value();
  if (count < 1) throw Napi::RangeError::New(info.Env(), "thread count must be at least 1");
  omp_set_num_threads(count);
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

}  // namespace

void registerThreads(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "setNumThreads", SetNumThreads);
  exportFunction(env, exports, "getNumThreads", GetNumThreads);
}

}  // namespace ssdet
