#pragma once

#include <napi.h>

namespace ssdet {

void registerSoftmax(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
