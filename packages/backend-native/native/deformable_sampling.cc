// Multi-scale deformable attention sampling (Deformable DETR, eq. 3) and its gradient, for the
// `SsdetMsDeformAttn` kernels of @ssdet/detr: out[b, q, m, :] = Σ_l Σ_p A·bilinear(V_l[b, :, m, :], p̂),
// bilinear as grid_sample(mode='bilinear', padding_mode='zeros', align_corners=False) — pixel
// x = p̂ₓ·W − ½, corners outside the map contribute zero. Layouts: value [B, S, M, D],
// locations [B, Q, M, L, P, 2], attention [B, Q, M, L, P], output [B, Q, M, D].
// Forward splits over (b, q); backward over (b, m), so that each thread alone scatters into its
// heads' slice of ∂value.
#include "deformable_sampling.h"

#include <cmath>
#include <vector>

#include "dnnl_context.h"

namespace ssdet {
namespace {

struct Geometry {
  int64_t batch, length, heads, dim, queries, points, levels;  // dim: attrs.headDim
  std::vector<int64_t> shapes;  // H₀, W₀, H₁, W₁, …
  std::vector<int64_t> starts;  // first flat position of each level

  /** DeformableSamplingAttrs (src/native-addon.ts), argument `index`. */
  static Geometry from(const Napi::CallbackInfo& info, size_t index, const char* kernel) {
    const Attrs a(info, index, kernel);
    Geometry out{a.getInt("batch", 0),   a.getInt("length", 0),  a.getInt("heads", 0),
                 a.getInt("headDim", 0), a.getInt("queries", 0), a.getInt("points", 0),
                 0,                      a.getInts("spatialShapes", 0), {}};
    if (out.shapes.size() % 2 != 0) {
      throw Napi::RangeError::New(
          info.Env(), std::string(kernel) + ": attrs.spatialShapes must be (height, width) pairs");
    }
    out.levels = static_cast<int64_t>(out.shapes.size() / 2);
    int64_t offset = 0;
    for (int64_t l = 0; l < out.levels; ++l) {
      out.starts.push_back(offset);
      offset += out.shapes[2 * l] * out.shapes[2 * l + 1];
    }
    if (offset != out.length) {
      throw Napi::RangeError::New(info.Env(), "spatial shapes do not sum to the value length");
    }
    return out;
  }
  int64_t valueSize() const { return batch * length * heads * dim; }
  int64_t sampleCount() const { return batch * queries * heads * levels * points; }
};

/** The in-map corners of pixel position (x, y): value offsets, tent weights and their slopes. */
struct Corners {
  int count = 0;
  int64_t offset[4];
  float weight[4], dx[4], dy[4];

  void locate(float x, float y, int64_t height, int64_t width, int64_t rowBase, int64_t stride) {
    count = 0;
    if (!(x > -1 && y > -1 && x < width && y < height)) return;
    const float x0 = std::floor(x), y0 = std::floor(y);
    const float fx = x - x0, fy = y - y0;
    for (int j = 0; j < 2; ++j) {
      const int64_t yc = static_cast<int64_t>(y0) + j;
      if (yc < 0 || yc >= height) continue;
      const float wy = j == 0 ? 1 - fy : fy;
      for (int i = 0; i < 2; ++i) {
        const int64_t xc = static_cast<int64_t>(x0) + i;
        if (xc < 0 || xc >= width) continue;
        const float wx = i == 0 ? 1 - fx : fx;
        offset[count] = rowBase + (yc * width + xc) * stride;
        weight[count] = wx * wy;
        dx[count] = (i == 0 ? -1.f : 1.f) * wy;
        dy[count] = wx * (j == 0 ? -1.f : 1.f);
        ++count;
      }
    }
  }
};

Napi::Value DeformableSamplingForward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = Geometry::from(info, 3, "deformableSamplingForward");
  const float* value = floatsArg(info, 0, g.valueSize(), "value");
  const float* locations = floatsArg(info, 1, 2 * g.sampleCount(), "samplingLocations");
  const float* attention = floatsArg(info, 2, g.sampleCount(), "attentionWeights");
  auto out = newFloats(env, g.batch * g.queries * g.heads * g.dim);
  float* o = out.Data();
  const int64_t stride = g.heads * g.dim;
  const int64_t rows = g.batch * g.queries;
  SerialScope scope(rows * g.heads * g.levels * g.points * g.dim < kSerialElements);
#pragma omp parallel for schedule(static)
  for (int64_t bq = 0; bq < rows; ++bq) {
    const int64_t b = bq / g.queries;
    Corners corners;
    for (int64_t m = 0; m < g.heads; ++m) {
      const int64_t bqm = bq * g.heads + m;
      float* acc = o + bqm * g.dim;
      for (int64_t d = 0; d < g.dim; ++d) acc[d] = 0;
      for (int64_t l = 0; l < g.levels; ++l) {
        const int64_t height = g.shapes[2 * l], width = g.shapes[2 * l + 1];
        const int64_t rowBase = ((b * g.length + g.starts[l]) * g.heads + m) * g.dim;
        for (int64_t p = 0; p < g.points; ++p) {
          const int64_t s = (bqm * g.levels + l) * g.points + p;
          const float a = attention[s];
          corners.locate(locations[2 * s] * width - 0.5f, locations[2 * s + 1] * height - 0.5f,
                         height, width, rowBase, stride);
          for (int k = 0; k < corners.count; ++k) {
            const float w = a * corners.weight[k];
            const float* v = value + corners.offset[k];
            for (int64_t d = 0; d < g.dim; ++d) acc[d] += w * v[d];
          }
        }
      }
    }
  }
  return out;
}

Napi::Value DeformableSamplingBackward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto g = Geometry::from(info, 4, "deformableSamplingBackward");
  const float* value = floatsArg(info, 0, g.valueSize(), "value");
  const float* locations = floatsArg(info, 1, 2 * g.sampleCount(), "samplingLocations");
  const float* attention = floatsArg(info, 2, g.sampleCount(), "attentionWeights");
  const float* grad = floatsArg(info, 3, g.batch * g.queries * g.heads * g.dim, "dy");
  auto gradValue = newFloats(env, g.valueSize());
  auto gradLocations = newFloats(env, 2 * g.sampleCount());
  auto gradAttention = newFloats(env, g.sampleCount());
  float* gv = gradValue.Data();
  float* gl = gradLocations.Data();
  float* ga = gradAttention.Data();
  const int64_t stride = g.heads * g.dim;
  const int64_t pairs = g.batch * g.heads;
  SerialScope scope(g.sampleCount() * g.dim < kSerialElements);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < g.valueSize(); ++i) gv[i] = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t bm = 0; bm < pairs; ++bm) {
    const int64_t b = bm / g.heads, m = bm % g.heads;
    Corners corners;
    for (int64_t q = 0; q < g.queries; ++q) {
      const int64_t bqm = (b * g.queries + q) * g.heads + m;
      const float* dy = grad + bqm * g.dim;
      for (int64_t l = 0; l < g.levels; ++l) {
        const int64_t height = g.shapes[2 * l], width = g.shapes[2 * l + 1];
        const int64_t rowBase = ((b * g.length + g.starts[l]) * g.heads + m) * g.dim;
        for (int64_t p = 0; p < g.points; ++p) {
          const int64_t s = (bqm * g.levels + l) * g.points + p;
          const float a = attention[s];
          corners.locate(locations[2 * s] * width - 0.5f, locations[2 * s + 1] * height - 0.5f,
                         height, width, rowBase, stride);
          float dA = 0, dX = 0, dY = 0;
          for (int k = 0; k < corners.count; ++k) {
            const float* v = value + corners.offset[k];
            float* gvk = gv + corners.offset[k];
            const float w = a * corners.weight[k];
            float dot = 0;
            for (int64_t d = 0; d < g.dim; ++d) {
              dot += v[d] * dy[d];
              gvk[d] += w * dy[d];
            }
            dA += corners.weight[k] * dot;
            dX += corners.dx[k] * dot;
            dY += corners.dy[k] * dot;
          }
          ga[s] = dA;
          gl[2 * s] = static_cast<float>(width) * a * dX;
          gl[2 * s + 1] = static_cast<float>(height) * a * dY;
        }
      }
    }
  }
  return outputArray(env, {gradValue, gradLocations, gradAttention});
}

}  // namespace

void registerDeformableSampling(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "deformableSamplingForward", DeformableSamplingForward);
  exportFunction(env, exports, "deformableSamplingBackward", DeformableSamplingBackward);
}

}  // namespace ssdet
