// JPEG → 8-bit RGB with the system libjpeg-turbo, for @ssdet/data's `decodeImage`: the same
// library Debian's Pillow decodes with, with libjpeg's defaults (JDCT_ISLOW, fancy upsampling),
// so the pixels are those of Pillow's `convert('RGB')` and of sharp's decode of the same file.
//
// It only takes files whose pixels it is certain about and declines the rest, which the caller
// decodes with sharp: anything but a baseline or progressive Huffman-coded 8-bit JPEG in YCbCr
// or grayscale, an EXIF orientation other than 1 (sharp rotates), an APP2 segment (an ICC
// profile, which sharp may convert), and any libjpeg error or warning (truncated or corrupt
// data: sharp gives the caller's error message). libjpeg's default error handler calls exit(),
// so errors longjmp back here instead; the functions that call setjmp hold no C++ objects.
//
// Compiled out (the function is not exported) when binding.gyp did not find jpeglib.h.
#include "data_images.h"

#ifdef SSDET_HAVE_JPEG

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <jpeglib.h>

#include "attrs.h"
#include "dnnl_context.h"

namespace ssdet {
namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void abandon(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
  errors->base.format_message(cinfo, errors->message);
  longjmp(errors->jump, 1);
}

/** Level −1 is a warning (corrupt or truncated data): not certain enough, so give up too. */
void onMessage(j_common_ptr cinfo, int level) {
  if (level < 0) abandon(cinfo);
}

/** A libjpeg decompressor with the error manager above; destroyed by its owner. */
struct Decoder {
  jpeg_decompress_struct cinfo;
  ErrorManager errors;
};

uint16_t read16(const uint8_t* at, bool bigEndian) {
  return bigEndian ? static_cast<uint16_t>(at[0] << 8 | at[1])
                   : static_cast<uint16_t>(at[1] << 8 | at[0]);
}

uint32_t read32(const uint8_t* at, bool bigEndian) {
  return bigEndian ? (uint32_t{at[0]} << 24 | uint32_t{at[1]} << 16 | uint32_t{at[2]} << 8 | at[3])
                   : (uint32_t{at[3]} << 24 | uint32_t{at[2]} << 16 | uint32_t{at[1]} << 8 | at[0]);
}

/**
 * Whether an APP1 segment is harmless: not EXIF (XMP and the like), or EXIF whose first IFD
 * holds orientation 1 as one SHORT. libvips (libexif) also looks for the tag in the other IFDs,
 * so EXIF without it in IFD0 — or anything this parser does not follow — is not harmless.
 */
bool exifOrientationIsOne(const uint8_t* data, size_t length) {
  if (length < 4 || std::memcmp(data, "Exif", 4) != 0) return true;
  if (length < 6 || data[4] != 0 || data[5] != 0) return false;
  const uint8_t* tiff = data + 6;
  const size_t size = length - 6;
  if (size < 8) return false;
  bool bigEndian;
  if (tiff[0] == 'I' && tiff[1] == 'I') {
    bigEndian = false;
  } else if (tiff[0] == 'M' && tiff[1] == 'M') {
    bigEndian = true;
  } else {
    return false;
  }
  if (read16(tiff + 2, bigEndian) != 42) return false;
  const uint32_t ifd = read32(tiff + 4, bigEndian);
  if (ifd > size - 2) return false;
  const uint32_t entries = read16(tiff + ifd, bigEndian);
  if (static_cast<uint64_t>(ifd) + 2 + uint64_t{entries} * 12 > size) return false;
  int found = 0;
  for (uint32_t k = 0; k < entries; k++) {
    const uint8_t* entry = tiff + ifd + 2 + k * 12;
    if (read16(entry, bigEndian) != 0x0112) continue;
    const uint16_t type = read16(entry + 2, bigEndian);
    const uint32_t count = read32(entry + 4, bigEndian);
    if (type != 3 || count != 1 || read16(entry + 8, bigEndian) != 1) return false;
    found++;
  }
  return found == 1;
}

/**
 * The SOFn marker code of the first frame header (0xC0 baseline, 0xC2 progressive, …), found by
 * walking the marker segments from SOI; 0 when the walk does not reach one. (The libjpeg 6.2
 * API has no `is_baseline`.)
 */
int frameMarker(const uint8_t* bytes, size_t length) {
  if (length < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return 0;
  size_t at = 2;
  while (at + 4 <= length) {
    if (bytes[at] != 0xFF) return 0;
    const uint8_t code = bytes[at + 1];
    if (code == 0xFF) {  // fill byte
      at++;
      continue;
    }
    if (code >= 0xC0 && code <= 0xCF && code != 0xC4 && code != 0xC8 && code != 0xCC) return code;
    if (code == 0xD9 || code == 0xDA) return 0;  // EOI or a scan before any frame header
    at += 2 + read16(bytes + at + 2, true);
  }
  return 0;
}

/** Why the saved APP1 / APP2 segments rule the native decode out, or nullptr. */
const char* markerObjection(j_decompress_ptr cinfo) {
  int exifSegments = 0;
  for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != nullptr;
       marker = marker->next) {
    if (marker->marker == JPEG_APP0 + 2) return "it has an APP2 segment (ICC profile)";
    if (marker->marker != JPEG_APP0 + 1) continue;
    if (marker->data_length >= 4 && std::memcmp(marker->data, "Exif", 4) == 0) exifSegments++;
    if (!exifOrientationIsOne(marker->data, marker->data_length))
      return "its EXIF orientation is not plainly 1";
  }
  return exifSegments > 1 ? "it has more than one EXIF segment" : nullptr;
}

/** jpeg_create_decompress, which can fail too (out of memory). Holds no C++ objects. */
bool createDecoder(Decoder* decoder) {
  decoder->cinfo.err = jpeg_std_error(&decoder->errors.base);
  decoder->errors.base.error_exit = abandon;
  decoder->errors.base.emit_message = onMessage;
  decoder->errors.message[0] = '\0';
  if (setjmp(decoder->errors.jump) != 0) return false;
  jpeg_create_decompress(&decoder->cinfo);
  return true;
}

/** The header and what it says, or the reason the native decode declines the file. */
struct Header {
  int width = 0;
  int height = 0;
  bool gray = false;
  const char* declined = nullptr;
};

/** jpeg_read_header and its checks. Holds no C++ objects: libjpeg may longjmp out of it. */
void readHeader(Decoder* decoder, const uint8_t* bytes, size_t length, Header* header) {
  j_decompress_ptr cinfo = &decoder->cinfo;
  if (setjmp(decoder->errors.jump) != 0) {
    header->declined = decoder->errors.message;
    return;
  }
  jpeg_mem_src(cinfo, bytes, static_cast<unsigned long>(length));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xFFFF);
  if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
    header->declined = "it has no image";
    return;
  }
  const int frame = frameMarker(bytes, length);
  if ((frame != 0xC0 && frame != 0xC2) || cinfo->arith_code || cinfo->data_precision != 8) {
    header->declined = "it is not a baseline or progressive Huffman-coded 8-bit JPEG";
    return;
  }
  if (cinfo->jpeg_color_space == JCS_YCbCr && cinfo->num_components == 3) {
    cinfo->out_color_space = JCS_RGB;
  } else if (cinfo->jpeg_color_space == JCS_GRAYSCALE && cinfo->num_components == 1) {
    cinfo->out_color_space = JCS_GRAYSCALE;
    header->gray = true;
  } else {
    header->declined = "its colour space is neither YCbCr nor grayscale";
    return;
  }
  header->declined = markerObjection(cinfo);
  if (header->declined != nullptr) return;
  // libjpeg's defaults, spelled out: these decide the pixels.
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  cinfo->do_block_smoothing = TRUE;
  cinfo->scale_num = 1;
  cinfo->scale_denom = 1;
  header->width = static_cast<int>(cinfo->image_width);
  header->height = static_cast<int>(cinfo->image_height);
}

/**
 * Decompresses into `rgb` (width · height · 3 bytes, already sized from the header); a gray
 * image's rows are decoded into the back of each RGB row and spread to R = G = B. Returns the
 * libjpeg message of a failure or warning, or nullptr. Holds no C++ objects (longjmp).
 */
const char* decodePixels(Decoder* decoder, uint8_t* rgb, bool gray) {
  j_decompress_ptr cinfo = &decoder->cinfo;
  if (setjmp(decoder->errors.jump) != 0) return decoder->errors.message;
  jpeg_start_decompress(cinfo);
  const size_t width = cinfo->output_width;
  const size_t stride = width * 3;
  while (cinfo->output_scanline < cinfo->output_height) {
    uint8_t* row = rgb + static_cast<size_t>(cinfo->output_scanline) * stride;
    uint8_t* target = gray ? row + 2 * width : row;
    JSAMPROW rows[1] = {target};
    jpeg_read_scanlines(cinfo, rows, 1);
    if (gray) {
      for (size_t x = 0; x < width; x++) {
        const uint8_t value = target[x];
        row[3 * x] = value;
        row[3 * x + 1] = value;
        row[3 * x + 2] = value;
      }
    }
  }
  jpeg_finish_decompress(cinfo);
  return nullptr;
}

Napi::Object declined(Napi::Env env, const std::string& reason) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("outcome", "declined");
  result.Set("reason", reason);
  return result;
}

/**
 * (bytes, { maxPixels }) → { outcome: 'decoded', width, height, pixels } |
 * { outcome: 'too-large', width, height } | { outcome: 'declined', reason }. The pixel limit is
 * checked on the header, before anything is allocated.
 */
Napi::Value DecodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "dataDecodeJpeg: bytes must be a Uint8Array");
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  const double maxPixels = Attrs(info, 1, "dataDecodeJpeg", "options").getNumber("maxPixels");

  Decoder decoder;
  if (!createDecoder(&decoder)) return declined(env, decoder.errors.message);
  struct Destroy {
    Decoder* decoder;
    ~Destroy() { jpeg_destroy_decompress(&decoder->cinfo); }
  } destroy{&decoder};

  Header header;
  readHeader(&decoder, bytes.Data(), bytes.ByteLength(), &header);
  if (header.declined != nullptr) return declined(env, header.declined);
  const double pixels = static_cast<double>(header.width) * header.height;
  if (pixels > maxPixels) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("outcome", "too-large");
    result.Set("width", header.width);
    result.Set("height", header.height);
    return result;
  }
  Napi::Uint8Array rgb = Napi::Uint8Array::New(env, static_cast<size_t>(pixels) * 3);
  const char* failure = decodePixels(&decoder, rgb.Data(), header.gray);
  if (failure != nullptr) return declined(env, failure);
  Napi::Object result = Napi::Object::New(env);
  result.Set("outcome", "decoded");
  result.Set("width", header.width);
  result.Set("height", header.height);
  result.Set("pixels", rgb);
  return result;
}

}  // namespace

void registerDataJpegDecode(Napi::Env env, Napi::Object exports) {
  exportFunction(env, exports, "dataDecodeJpeg", DecodeJpeg);
}

}  // namespace ssdet

#else

namespace ssdet {

void registerDataJpegDecode(Napi::Env, Napi::Object) {}

}  // namespace ssdet

#endif
