// `std::sort` of (key, payload) pairs by key, in place on typed arrays: the sort the TypeScript
// `stdSort` replays, here the real libstdc++ one, so ties fall exactly as in OpenCV's GCC build.
#include <algorithm>
#include <vector>

#include "dnnl_context.h"
#include "proposals.h"

namespace ssdet {
namespace {

template <typename Key>
struct KeyedIndex {
  Key key;
  int32_t payload;
};

template <typename Key, typename ArrayType>
Napi::Value SortPairs(const Napi::CallbackInfo& info) {
  ArrayType keys = info[0].As<ArrayType>();
  Napi::Int32Array payload = info[1].As<Napi::Int32Array>();
  const size_t n = keys.ElementLength();
  if (payload.ElementLength() != n) {
    throw Napi::RangeError::New(info.Env(), "stdSort: keys and payload differ in length");
  }
  Key* k = keys.Data();
  int32_t* p = payload.Data();
  std::vector<KeyedIndex<Key>> pairs(n);
  for (size_t i = 0; i < n; i++) pairs[i] = {k[i], p[i]};
  std::sort(pairs.begin(), pairs.end(),
            [](const KeyedIndex<Key>& a, const KeyedIndex<Key>& b) { return a.key < b.key; });
  for (size_t i = 0; i < n; i++) {
    k[i] = pairs[i].key;
    p[i] = pairs[i].payload;
  }
  return info.Env().Undefined();
}

}  // namespace

void registerProposalSort(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "proposalsStdSortFloat32", SortPairs<float, Napi::Float32Array>);
  exportFunction(env, exports, "proposalsStdSortFloat64", SortPairs<double, Napi::Float64Array>);
}

}  // namespace ssdet
