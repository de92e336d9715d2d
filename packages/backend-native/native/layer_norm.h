#pragma once

#include <napi.h>

namespace ssdet {

void registerLayerNorm(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
