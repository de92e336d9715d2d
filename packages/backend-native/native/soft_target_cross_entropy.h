#pragma once

#include <napi.h>

namespace ssdet {

void registerSoftTargetCrossEntropy(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
