// Named attributes: a kernel call's geometry and hyper-parameters arrive as one plain JavaScript
// object (`{ batch, inHeight, …, strideHeight, … }`, typed by the interfaces in
// ../src/native-addon.ts) and are read here by name, as tfjs-node's kernels take theirs — not as
// positional integer lists whose order both sides must keep in step. A missing or ill-typed
// field is a TypeError that names it. Reading a dozen properties costs about a microsecond, far
// below any kernel that takes attributes.
#pragma once

#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "op_codes.h"

namespace ssdet {

class Attrs {
 public:
  /**
   * Argument `index` of `info`, called `argument` in errors (`conv2d: attrs.strideHeight …`); a
   * TypeError unless it is an object.
   */
  Attrs(const Napi::CallbackInfo& info, size_t index, const char* kernel,
        const char* argument = "attrs");

  /** An integer field: TypeError when missing or not an integer, RangeError when below `min`. */
  int64_t getInt(const char* name, int64_t min = std::numeric_limits<int64_t>::min()) const;
  /** A number field (any finite or infinite double); TypeError when missing or not a number. */
  double getNumber(const char* name) const;
  /** A boolean field; TypeError when missing or not a boolean. */
  bool getBool(const char* name) const;
  /** An array of integers, each at least `min`. */
  std::vector<int64_t> getInts(const char* name,
                               int64_t min = std::numeric_limits<int64_t>::min()) const;
  /** An op code of `Op`'s family (`addon.opCodes.<family>.<Name>`); RangeError otherwise. */
  template <typename Op>
  Op getOp(const char* name) const {
    Op op;
    if (!asOp(object_.Get(name), &op)) throw badOp<Op>(env_, label(name));
    return op;
  }

 private:
  // Error messages are only composed when a read fails: the reads are on every kernel call.
  std::string label(const char* name) const;
  [[noreturn]] void fail(const std::string& what, const char* expected,
                         const Napi::Value& got) const;
  [[noreturn]] void belowMin(const std::string& what, int64_t min, int64_t got) const;

  Napi::Env env_;
  Napi::Object object_;
  const char* kernel_;
  const char* argument_;
};

/**
 * Where a 2-D window — a convolution's filter, a pooling window — runs over an NHWC map of
 * `inChannels` channels: the attributes convolution and pooling share (Window2DAttrs in
 * src/native-addon.ts), named as tfjs's Conv2DInfo names them.
 */
struct Window2d {
  int64_t batch, inHeight, inWidth, inChannels, outHeight, outWidth;
  int64_t filterHeight, filterWidth, strideHeight, strideWidth;
  int64_t padTop, padBottom, padLeft, padRight;

  static Window2d read(const Attrs& attrs);
  /** Every field, for a primitive-cache key. */
  void appendKey(std::vector<int64_t>& key) const;
};

}  // namespace ssdet
