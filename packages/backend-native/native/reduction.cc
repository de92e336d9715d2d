// Sum, mean, max and min over any set of axes, without transposing: after merging adjacent axes
// that are all reduced or all kept, the patterns a network meets most are [R], [K, R] (rows),
// [R, K] (columns, e.g. per-channel statistics of NHWC maps), [K, R, K'] and [R, K, R'], each
// with its own loop; any other pattern (the upsampling gradient's [K, R, K', R', K'']) runs one
// strided loop. Sums accumulate in double, as tfjs-backend-cpu's JavaScript numbers do.
#include "reduction.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "dnnl_context.h"

namespace ssdet {
namespace {

constexpr int64_t kParallelThreshold = kSerialElements;

struct Group {
  int64_t size;
  bool reduced;
};

std::vector<Group> mergeGroups(const dims_t& shape, const std::vector<bool>& reduced) {
  std::vector<Group> groups;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduced[i]) {
      groups.back().size *= shape[i];
    } else {
      groups.push_back({shape[i], static_cast<bool>(reduced[i])});
    }
  }
  return groups;
}

template <ReduceOp op>
struct Accumulator {
  using value_t = std::conditional_t<op == ReduceOp::Sum || op == ReduceOp::Mean, double, float>;
  static value_t identity() {
    if constexpr (op == ReduceOp::Max) return -std::numeric_limits<float>::infinity();
    if constexpr (op == ReduceOp::Min) return std::numeric_limits<float>::infinity();
    return 0;
  }
  static value_t combine(value_t acc, float x) {
    if constexpr (op == ReduceOp::Max) return (x > acc || x != x) ? x : acc;
    if constexpr (op == ReduceOp::Min) return (x < acc || x != x) ? x : acc;
    return acc + x;
  }
  static value_t merge(value_t a, value_t b) {
    if constexpr (op == ReduceOp::Max || op == ReduceOp::Min) return combine(a, static_cast<float>(b));
    return a + b;
  }
};

/**
 * Reduces a contiguous run with four independent accumulators: one accumulator is a chain of
 * dependent additions (a double add's latency per element); four let the core overlap them.
 */
template <ReduceOp op>
typename Accumulator<op>::value_t reduceRun(const float* x, int64_t length) {
  using A = Accumulator<op>;
  using V = typename A::value_t;
  V acc[4] = {A::identity(), A::identity(), A::identity(), A::identity()};
  int64_t i = 0;
  for (; i + 4 <= length; i += 4) {
    acc[0] = A::combine(acc[0], x[i]);
    acc[1] = A::combine(acc[1], x[i + 1]);
    acc[2] = A::combine(acc[2], x[i + 2]);
    acc[3] = A::combine(acc[3], x[i + 3]);
  }
  for (; i < length; ++i) acc[0] = A::combine(acc[0], x[i]);
  return A::merge(A::merge(acc[0], acc[1]), A::merge(acc[2], acc[3]));
}

/**
 * out[k] = reduce over r of x[r·K + k], rows split across threads. Each thread accumulates in
 * its own buffer and publishes it once at the end: partials side by side in one array share
 * cache lines, and with few columns every addition would bounce a line between the cores (a full
 * sum of a 2048×256 gradient took 3 ms instead of 0.1).
 */
template <ReduceOp op>
void reduceColumns(const float* x, int64_t rows, int64_t cols, float* out, double divisor) {
  using A = Accumulator<op>;
  using V = typename A::value_t;
  int threads = rows * cols > kParallelThreshold ? omp_get_max_threads() : 1;
  std::vector<V> partial(static_cast<size_t>(threads) * cols, A::identity());
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int count = omp_get_num_threads();
    int64_t begin = rows * t / count, end = rows * (t + 1) / count;
    std::vector<V> mine(static_cast<size_t>(cols), A::identity());
    if (cols == 1) {
      mine[0] = reduceRun<op>(x + begin, end - begin);
    } else {
      for (int64_t r = begin; r < end; ++r) {
        const float* row = x + r * cols;
        for (int64_t k = 0; k < cols; ++k) mine[k] = A::combine(mine[k], row[k]);
      }
    }
    std::copy(mine.begin(), mine.end(), partial.begin() + static_cast<int64_t>(t) * cols);
  }
  for (int64_t k = 0; k < cols; ++k) {
    V acc = partial[k];
    for (int t = 1; t < threads; ++t) acc = A::merge(acc, partial[static_cast<size_t>(t) * cols + k]);
    out[k] = static_cast<float>(acc / static_cast<V>(divisor));
  }
}

/** out[k] = reduce over r of x[k·R + r] (contiguous rows), rows across threads. */
template <ReduceOp op>
void reduceRows(const float* x, int64_t rows, int64_t length, float* out, double divisor) {
  using V = typename Accumulator<op>::value_t;
  if (rows == 1) {
    reduceColumns<op>(x, length, 1, out, divisor);
    return;
  }
#pragma omp parallel for schedule(static) if (rows * length > kParallelThreshold)
  for (int64_t k = 0; k < rows; ++k) {
    out[k] = static_cast<float>(reduceRun<op>(x + k * length, length) / static_cast<V>(divisor));
  }
}

/** [R, K, R']: out[k] = reduce over r, r' of x[(r·K + k)·R' + r']. */
template <ReduceOp op>
void reduceOuterInner(const float* x, int64_t outer, int64_t kept, int64_t inner, float* out,
                      double divisor) {
  using A = Accumulator<op>;
  using V = typename A::value_t;
#pragma omp parallel for schedule(static) if (outer * kept * inner > kParallelThreshold)
  for (int64_t k = 0; k < kept; ++k) {
    V acc = A::identity();
    for (int64_t r = 0; r < outer; ++r) {
      acc = A::merge(acc, reduceRun<op>(x + (r * kept + k) * inner, inner));
    }
    out[k] = static_cast<float>(acc / static_cast<V>(divisor));
  }
}

/**
 * Any pattern of reduced and kept groups: out[o] = reduce over every reduced position p of
 * x[base(o) + offset(p)], the offsets listed once. Outputs are split across threads; when the last
 * group is kept, its run of `inner` contiguous outputs is accumulated together, so the innermost
 * loop reads contiguous memory (the gradient of a 2× nearest-neighbour upsampling sums
 * [N, H, 2, W, 2, C] over the two 2s: four runs of C per output run).
 */
template <ReduceOp op>
void reduceStrided(const float* x, const std::vector<Group>& g, float* out, double divisor) {
  using A = Accumulator<op>;
  using V = typename A::value_t;
  const size_t n = g.size();
  std::vector<int64_t> stride(n);
  for (int64_t size = 1, i = static_cast<int64_t>(n) - 1; i >= 0; --i) {
    stride[i] = size;
    size *= g[i].size;
  }
  std::vector<int64_t> offsets{0};
  std::vector<int64_t> keptSize, keptStride;
  for (size_t i = 0; i < n; ++i) {
    if (g[i].reduced) {
      std::vector<int64_t> next;
      next.reserve(offsets.size() * static_cast<size_t>(g[i].size));
      for (int64_t base : offsets) {
        for (int64_t j = 0; j < g[i].size; ++j) next.push_back(base + j * stride[i]);
      }
      offsets.swap(next);
    } else {
      keptSize.push_back(g[i].size);
      keptStride.push_back(stride[i]);
    }
  }
  const int64_t inner = g.back().reduced ? 1 : g.back().size;
  if (inner > 1) {
    keptSize.pop_back();
    keptStride.pop_back();
  }
  int64_t outer = 1;
  for (int64_t size : keptSize) outer *= size;
  const auto reducedCount = static_cast<int64_t>(offsets.size());
  const bool parallel = outer > 1 && outer * inner * reducedCount > kParallelThreshold;
#pragma omp parallel if (parallel)
  {
    std::vector<V> acc(static_cast<size_t>(inner));
#pragma omp for schedule(static)
    for (int64_t o = 0; o < outer; ++o) {
      int64_t base = 0;
      for (int64_t rest = o, i = static_cast<int64_t>(keptSize.size()) - 1; i >= 0; --i) {
        base += (rest % keptSize[i]) * keptStride[i];
        rest /= keptSize[i];
      }
      std::fill(acc.begin(), acc.end(), A::identity());
      for (int64_t offset : offsets) {
        const float* run = x + base + offset;
        for (int64_t j = 0; j < inner; ++j) acc[j] = A::combine(acc[j], run[j]);
      }
      float* dst = out + o * inner;
      for (int64_t j = 0; j < inner; ++j) dst[j] = static_cast<float>(acc[j] / static_cast<V>(divisor));
    }
  }
}

template <ReduceOp op>
bool reduce(const float* x, const std::vector<Group>& g, float* out, double divisor) {
  if (g.empty()) {
    out[0] = x[0];
    return true;
  }
  if (g.size() == 1 && !g[0].reduced) {
    std::copy(x, x + g[0].size, out);
    return true;
  }
  if (g.size() == 1) {
    reduceRows<op>(x, 1, g[0].size, out, divisor);
  } else if (g.size() == 2 && !g[0].reduced) {
    reduceRows<op>(x, g[0].size, g[1].size, out, divisor);
  } else if (g.size() == 2) {
    reduceColumns<op>(x, g[0].size, g[1].size, out, divisor);
  } else if (g.size() == 3 && !g[0].reduced && g[0].size < 4 * omp_get_max_threads()) {
    // Few outer blocks: each block's rows are split across the threads instead.
    for (int64_t k = 0; k < g[0].size; ++k) {
      reduceColumns<op>(x + k * g[1].size * g[2].size, g[1].size, g[2].size, out + k * g[2].size,
                        divisor);
    }
  } else if (g.size() == 3 && g[0].reduced) {
    reduceOuterInner<op>(x, g[0].size, g[1].size, g[2].size, out, divisor);
  } else {
    reduceStrided<op>(x, g, out, divisor);
  }
  return true;
}

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto op = opArg<ReduceOp>(info, 0, "op");
  auto shape = intsArg(info, 2, "shape");
  auto axes = intsArg(info, 3, "axes");
  const float* x = floatsArg(info, 1, product(shape), "x");
  std::vector<bool> reduced(shape.size(), false);
  int64_t reducedCount = 1;
  for (int64_t axis : axes) {
    if (axis < 0 || axis >= static_cast<int64_t>(shape.size())) {
      throw Napi::RangeError::New(env, "reduction axis out of range");
    }
    reduced[axis] = true;
    reducedCount *= shape[axis];
  }
  int64_t outSize = product(shape) / (reducedCount == 0 ? 1 : reducedCount);
  if (product(shape) == 0) return env.Null();
  auto groups = mergeGroups(shape, reduced);
  auto out = newFloats(env, outSize);
  double divisor = op == ReduceOp::Mean ? static_cast<double>(reducedCount) : 1.0;
  bool done = false;
  switch (op) {
    case ReduceOp::Sum: done = reduce<ReduceOp::Sum>(x, groups, out.Data(), divisor); break;
    case ReduceOp::Mean: done = reduce<ReduceOp::Mean>(x, groups, out.Data(), divisor); break;
    case ReduceOp::Max: done = reduce<ReduceOp::Max>(x, groups, out.Data(), divisor); break;
    case ReduceOp::Min: done = reduce<ReduceOp::Min>(x, groups, out.Data(), divisor); break;
  }
  if (!done) return env.Null();
  return out;
}

}  // namespace

void registerReduction(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "reduce", Reduce);
}

}  // namespace ssdet
