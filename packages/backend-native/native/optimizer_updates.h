#pragma once

#include <napi.h>

namespace ssdet {

void registerOptimizerUpdates(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
