// Entry point of the `ssdet_native` addon: one function per kernel family, called by the
// TypeScript kernels in ../src with Float32Arrays, named attribute objects (attrs.h) and op codes
// from the table exported as `opCodes` (op_codes.h).
#include <malloc.h>
#include <napi.h>

#include <cstdlib>

#include "batch_norm.h"
#include "convolution.h"
#include "data_images.h"
#include "data_movement.h"
#include "deformable_sampling.h"
#include "dnnl_context.h"
#include "dropout.h"
#include "elementwise.h"
#include "layer_norm.h"
#include "matmul.h"
#include "op_codes.h"
#include "optimizer_updates.h"
#include "pooling.h"
#include "proposals.h"
#include "reduction.h"
#include "soft_target_cross_entropy.h"
#include "softmax.h"
#include "threads.h"

namespace {

Napi::Value OnednnVersion(const Napi::CallbackInfo& info) {
  const dnnl_version_t* version = dnnl_version();
  return Napi::String::New(info.Env(), std::to_string(version->major) + "." +
                                           std::to_string(version->minor) + "." +
                                           std::to_string(version->patch));
}

/**
 * Activations of tens of megabytes are allocated and freed every step. Above glibc's mmap
 * threshold each one arrives as fresh pages whose first touch faults (several ms per 25 MB
 * output); serving them from the heap and not trimming it lets freed blocks be reused, as
 * PyTorch's allocations are. SSDET_NATIVE_MALLOPT=0 keeps glibc's defaults.
 */
void tuneAllocator() {
  const char* setting = std::getenv("SSDET_NATIVE_MALLOPT");
  if (setting != nullptr && std::string(setting) == "0") return;
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneAllocator();
  ssdet::exportOpCodes(env, exports);
  ssdet::registerConvolution(env, exports);
  ssdet::registerMatmul(env, exports);
  ssdet::registerPooling(env, exports);
  ssdet::registerBatchNorm(env, exports);
  ssdet::registerLayerNorm(env, exports);
  ssdet::registerElementwise(env, exports);
  ssdet::registerReduction(env, exports);
  ssdet::registerSoftmax(env, exports);
  ssdet::registerDropout(env, exports);
  ssdet::registerSoftTargetCrossEntropy(env, exports);
  ssdet::registerDataMovement(env, exports);
  ssdet::registerDeformableSampling(env, exports);
  ssdet::registerOptimizerUpdates(env, exports);
  ssdet::registerThreads(env, exports);
  ssdet::registerProposalSort(env, exports);
  ssdet::registerProposalSegmentation(env, exports);
  ssdet::registerProposalEdgeBoxes(env, exports);
  ssdet::registerDataFloatImages(env, exports);
  ssdet::registerDataPilImages(env, exports);
  ssdet::registerDataJpegDecode(env, exports);
  ssdet::exportFunction(env, exports, "onednnVersion", OnednnVersion);
  ssdet::exportFunction(env, exports, "setOutputSource", ssdet::SetOutputSource);
  return exports;
}

}  // namespace

NODE_API_MODULE(ssdet_native, Init)
