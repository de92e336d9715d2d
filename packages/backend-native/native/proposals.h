#pragma once

#include <napi.h>

namespace ssdet {

// Region-proposal kernels of @ssdet/proposals on plain typed arrays, single-threaded (the regions
// job parallelises across images). Each reproduces its TypeScript twin bit for bit: binary32
// arithmetic rounded where the TypeScript rounds (no contraction into FMAs except where asked
// for with std::fma), libstdc++'s std::sort where the TypeScript replays it.
void registerProposalSort(Napi::Env env, Napi::Object exports);
void registerProposalSegmentation(Napi::Env env, Napi::Object exports);
void registerProposalEdgeBoxes(Napi::Env env, Napi::Object exports);

}  // namespace ssdet
