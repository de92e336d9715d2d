#pragma once

#include <napi.h>

namespace ssdet {

void registerBatchNorm(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
