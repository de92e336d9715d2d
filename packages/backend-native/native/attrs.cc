#include "attrs.h"

#include <cmath>

namespace ssdet {
namespace {

/** How an unexpected value reads in an error: its number, or its type. */
std::string describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined (missing)";
    case napi_null: return "null";
    case napi_boolean: return value.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: {
      const double d = value.As<Napi::Number>().DoubleValue();
      if (std::isnan(d)) return "NaN";
      std::string text = std::to_string(d);
      text.erase(text.find_last_not_of('0') + 1);
      if (!text.empty() && text.back() == '.') text.pop_back();
      return text;
    }
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    default: return value.IsArray() ? "an array" : "an object";
  }
}

// Integers up to 2^53, the largest JavaScript holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

bool asInteger(const Napi::Value& value, int64_t* out) {
  if (!value.IsNumber()) return false;
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!(std::fabs(d) <= kMaxSafeInteger && d == std::floor(d))) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

}  // namespace

Attrs::Attrs(const Napi::CallbackInfo& info, size_t index, const char* kernel,
             const char* argument)
    : env_(info.Env()), kernel_(kernel), argument_(argument) {
  const Napi::Value value = info[index];
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray()) {
    throw Napi::TypeError::New(env_, std::string(kernel) + ": " + argument +
                                         " must be an object of named attributes; got " +
                                         describe(value));
  }
  object_ = value.As<Napi::Object>();
}

std::string Attrs::label(const char* name) const {
  return std::string(kernel_) + ": " + argument_ + "." + name;
}

void Attrs::fail(const std::string& what, const char* expected, const Napi::Value& got) const {
  throw Napi::TypeError::New(env_, what + " must be " + expected + "; got " + describe(got));
}

void Attrs::belowMin(const std::string& what, int64_t min, int64_t got) const {
  throw Napi::RangeError::New(env_, what + " must be at least " + std::to_string(min) + "; got " +
                                        std::to_string(got));
}

int64_t Attrs::getInt(const char* name, int64_t min) const {
  const Napi::Value value = object_.Get(name);
  int64_t integer = 0;
  if (!asInteger(value, &integer)) fail(label(name), "an integer", value);
  if (integer < min) belowMin(label(name), min, integer);
  return integer;
}

double Attrs::getNumber(const char* name) const {
  const Napi::Value value = object_.Get(name);
  if (!value.IsNumber()) fail(label(name), "a number", value);
  return value.As<Napi::Number>().DoubleValue();
}

bool Attrs::getBool(const char* name) const {
  const Napi::Value value = object_.Get(name);
  if (!value.IsBoolean()) fail(label(name), "a boolean", value);
  return value.As<Napi::Boolean>().Value();
}

std::vector<int64_t> Attrs::getInts(const char* name, int64_t min) const {
  const Napi::Value value = object_.Get(name);
  if (!value.IsArray()) fail(label(name), "an array of integers", value);
  const auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Value element = array.Get(i);
    if (!asInteger(element, &out[i])) {
      fail(label(name) + "[" + std::to_string(i) + "]", "an integer", element);
    }
    if (out[i] < min) belowMin(label(name) + "[" + std::to_string(i) + "]", min, out[i]);
  }
  return out;
}

Window2d Window2d::read(const Attrs& a) {
  return {a.getInt("batch", 0),        a.getInt("inHeight", 0),     a.getInt("inWidth", 0),
          a.getInt("inChannels", 0),   a.getInt("outHeight", 0),    a.getInt("outWidth", 0),
          a.getInt("filterHeight", 1), a.getInt("filterWidth", 1),  a.getInt("strideHeight", 1),
          a.getInt("strideWidth", 1),  a.getInt("padTop"),          a.getInt("padBottom"),
          a.getInt("padLeft"),         a.getInt("padRight")};
}

void Window2d::appendKey(std::vector<int64_t>& key) const {
  key.insert(key.end(), {batch, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight,
                         filterWidth, strideHeight, strideWidth, padTop, padBottom, padLeft,
                         padRight});
}

}  // namespace ssdet
