#pragma once

#include <napi.h>

namespace ssdet {

void registerMatmul(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
