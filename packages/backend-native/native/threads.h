#pragma once

#include <napi.h>

namespace ssdet {

void registerThreads(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
