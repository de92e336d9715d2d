// The `ssdet_mpi` addon: MPI's collectives for `MpiProcessGroup` (../src/mpi-process-group.ts).
// Only Node's main thread calls MPI (MPI_THREAD_FUNNELED). Every call is synchronous: the
// trainer's collectives sit inside tfjs's synchronous forward and backward passes.
//
// The communicator returns errors instead of aborting (MPI_ERRORS_RETURN), and each error code
// becomes a JavaScript Error carrying MPI's own text, so a wrong root or a truncated message is a
// catchable error rather than a dead job.
#include <mpi.h>
#include <napi.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "fusion.h"

namespace {

/** World, duplicated so that our error handler and traffic never meet a library's. */
MPI_Comm communicator = MPI_COMM_NULL;
/** Reused between calls: a gradient step fuses into the same 16+ MB every time. */
std::vector<float> fusionBuffer;
size_t fusionLength = 16 * 1024 * 1024 / sizeof(float);

std::string errorText(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

/** Throws a JavaScript Error naming the MPI call and MPI's message, unless `code` is success. */
void check(Napi::Env env, int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  throw Napi::Error::New(env, std::string(call) + " failed: " + errorText(code));
}

void requireInitialized(Napi::Env env) {
  if (communicator == MPI_COMM_NULL)
    throw Napi::Error::New(env, "MPI is not initialized: call init() first");
}

ssdet::FloatSpan spanOf(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  Napi::Float32Array array = value.As<Napi::Float32Array>();
  return {array.Data(), array.ElementLength()};
}

std::vector<ssdet::FloatSpan> spansOf(Napi::Env env, const Napi::Value& value) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, "buffers must be an array of Float32Array");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<ssdet::FloatSpan> spans;
  spans.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) spans.push_back(spanOf(env, array[i], "every buffer"));
  return spans;
}

/** MPI counts are ints: a span longer than INT_MAX floats goes in several calls. */
template <typename Call>
void inChunks(ssdet::FloatSpan span, Call call) {
  for (size_t offset = 0; offset < span.length; offset += INT_MAX) {
    const size_t count = std::min<size_t>(INT_MAX, span.length - offset);
    call(span.data + offset, static_cast<int>(count));
  }
}

void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  if (communicator != MPI_COMM_NULL) MPI_Comm_free(&communicator);
  communicator = MPI_COMM_NULL;
  MPI_Finalize();
}

/** init(fusionBytes) → { rank, size }: initializes MPI once (later calls return the same). */
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsNumber()) {
    const double bytes = info[0].As<Napi::Number>().DoubleValue();
    if (!(bytes >= sizeof(float)))
      throw Napi::RangeError::New(env, "the fusion buffer needs at least 4 bytes");
    fusionLength = static_cast<size_t>(bytes / sizeof(float));
  }
  if (communicator == MPI_COMM_NULL) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check(env, MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check(env, MPI_Comm_dup(MPI_COMM_WORLD, &communicator), "MPI_Comm_dup");
    check(env, MPI_Comm_set_errhandler(communicator, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  }
  int rank = 0;
  int size = 0;
  check(env, MPI_Comm_rank(communicator, &rank), "MPI_Comm_rank");
  check(env, MPI_Comm_size(communicator, &size), "MPI_Comm_size");
  Napi::Object result = Napi::Object::New(env);
  result.Set("rank", rank);
  result.Set("size", size);
  return result;
}

/** allreduce(buffers, mean): sums (or averages) every buffer across ranks, in place. */
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInitialized(env);
  const std::vector<ssdet::FloatSpan> buffers = spansOf(env, info[0]);
  const bool mean = info[1].ToBoolean().Value();
  int size = 1;
  MPI_Comm_size(communicator, &size);
  const float scale = mean ? 1.0f / static_cast<float>(size) : 1.0f;
  ssdet::fusedInPlace(
      buffers, fusionBuffer, fusionLength,
      [&](ssdet::FloatSpan span) {
        inChunks(span, [&](float* data, int count) {
          check(env, MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, communicator),
                "MPI_Allreduce");
        });
      },
      scale);
  return env.Undefined();
}

/** broadcast(buffers, root): overwrites every buffer with rank `root`'s, in place. */
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInitialized(env);
  const std::vector<ssdet::FloatSpan> buffers = spansOf(env, info[0]);
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "root must be a number");
  const int root = info[1].As<Napi::Number>().Int32Value();
  ssdet::fusedInPlace(
      buffers, fusionBuffer, fusionLength,
      [&](ssdet::FloatSpan span) {
        inChunks(span, [&](float* data, int count) {
          check(env, MPI_Bcast(data, count, MPI_FLOAT, root, communicator), "MPI_Bcast");
        });
      },
      1.0f);
  return env.Undefined();
}

/**
 * allgather(buffer) → Float32Array of every rank's buffer, in rank order, and their lengths.
 * The lengths are exchanged first, so they may differ between ranks.
 */
Napi::Value Allgather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInitialized(env);
  const ssdet::FloatSpan mine = spanOf(env, info[0], "buffer");
  if (mine.length > INT_MAX) throw Napi::RangeError::New(env, "allgather takes at most 2^31-1 floats per rank");
  int size = 1;
  MPI_Comm_size(communicator, &size);
  std::vector<int> lengths(static_cast<size_t>(size));
  const int myLength = static_cast<int>(mine.length);
  check(env, MPI_Allgather(&myLength, 1, MPI_INT, lengths.data(), 1, MPI_INT, communicator),
        "MPI_Allgather");
  std::vector<int> offsets(static_cast<size_t>(size));
  size_t total = 0;
  for (int r = 0; r < size; ++r) {
    if (total > INT_MAX) throw Napi::RangeError::New(env, "allgather result exceeds 2^31-1 floats");
    offsets[r] = static_cast<int>(total);
    total += static_cast<size_t>(lengths[r]);
  }
  Napi::Float32Array gathered = Napi::Float32Array::New(env, total);
  check(env,
        MPI_Allgatherv(mine.data, myLength, MPI_FLOAT, gathered.Data(), lengths.data(),
                       offsets.data(), MPI_FLOAT, communicator),
        "MPI_Allgatherv");
  Napi::Array jsLengths = Napi::Array::New(env, static_cast<size_t>(size));
  for (int r = 0; r < size; ++r) jsLengths.Set(static_cast<uint32_t>(r), lengths[r]);
  Napi::Object result = Napi::Object::New(env);
  result.Set("data", gathered);
  result.Set("lengths", jsLengths);
  return result;
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  requireInitialized(env);
  check(env, MPI_Barrier(communicator), "MPI_Barrier");
  return env.Undefined();
}

/** finalize(): ends MPI; only on a clean exit (MPI_Finalize waits for every rank). */
Napi::Value Finalize(const Napi::CallbackInfo& info) {
  finalize();
  return info.Env().Undefined();
}

/** The MPI library's own version line, e.g. "Open MPI v4.1.4, …". */
Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  const size_t newline = version.find('\n');
  return Napi::String::New(info.Env(), version.substr(0, newline));
}

Napi::Object Initialize(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("allreduce", Napi::Function::New(env, Allreduce, "allreduce"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("allgather", Napi::Function::New(env, Allgather, "allgather"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("libraryVersion", Napi::Function::New(env, LibraryVersion, "libraryVersion"));
  return exports;
}

}  // namespace

NODE_API_MODULE(ssdet_mpi, Initialize)
