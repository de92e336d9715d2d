#pragma once

#include <napi.h>

namespace ssdet {

void registerDataMovement(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
