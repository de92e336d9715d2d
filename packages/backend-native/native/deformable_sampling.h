#pragma once

#include <napi.h>

namespace ssdet {

void registerDeformableSampling(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
