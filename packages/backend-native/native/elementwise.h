#pragma once

#include <napi.h>

namespace ssdet {

void registerElementwise(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
