#pragma once

#include <napi.h>

namespace ssdet {

void registerReduction(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
