#pragma once

#include <napi.h>

namespace ssdet {

void registerPooling(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
