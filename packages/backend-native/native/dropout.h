#pragma once

#include <napi.h>

namespace ssdet {

void registerDropout(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
