// Horovod-style tensor fusion: many small buffers travel together in one large message, so a
// step's hundreds of gradient tensors cost a few collective calls instead of hundreds of
// latencies. Buffers at least as large as the fusion buffer go in place, without copies, in
// pieces of the fusion buffer's size.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace ssdet {

/** A float32 run of memory owned by JavaScript. */
struct FloatSpan {
  float* data;
  size_t length;
};

/**
 * Runs `collective` over `buffers`, packing consecutive small buffers into `fusion` (grown to
 * `fusionLength` floats once and reused) and handing large ones over directly. `collective`
 * receives a contiguous span it may change in place; `unpacked` is then called on every original
 * buffer once its data is back (to scale a mean, for example) — for packed buffers it receives
 * the fused source so the copy back and the scaling are one pass.
 */
void fusedInPlace(const std::vector<FloatSpan>& buffers, std::vector<float>& fusion,
                  size_t fusionLength, const std::function<void(FloatSpan)>& collective,
                  float scale);

}  // namespace ssdet
