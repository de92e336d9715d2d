#pragma once

#include <napi.h>

namespace ssdet {

void registerConvolution(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
