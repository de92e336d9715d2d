#include "op_codes.h"

namespace ssdet {
namespace {

/** `{ Name: code, … }` for one family, frozen. */
template <typename Op>
Napi::Object familyTable(Napi::Env env) {
  auto table = Napi::Object::New(env);
  for (int code = 0; code < OpFamily<Op>::count; ++code) {
    table.Set(OpFamily<Op>::names[code], Napi::Number::New(env, code));
  }
  table.Freeze();
  return table;
}

template <typename Op>
void addFamily(Napi::Env env, Napi::Object& codes) {
  codes.Set(OpFamily<Op>::name, familyTable<Op>(env));
}

}  // namespace

void exportOpCodes(Napi::Env env, Napi::Object exports) {
  auto codes = Napi::Object::New(env);
  addFamily<BinaryOp>(env, codes);
  addFamily<UnaryOp>(env, codes);
  addFamily<ReduceOp>(env, codes);
  addFamily<Activation>(env, codes);
  addFamily<PoolOp>(env, codes);
  codes.Freeze();
  exports.Set("opCodes", codes);
}

}  // namespace ssdet
