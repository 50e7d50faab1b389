#include "infrastructure/qr/qr_png.h"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <csetjmp>
#include <memory>
#include <vector>

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;
using domain::fail;

struct QrCodeFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

void append_to_string(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}

void no_flush(png_structp) {}

// libpng's default handlers print to stderr; a service reports through its
// Result instead.
void on_png_error(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void on_png_warning(png_structp, png_const_charp) {}

// libpng reports failures by longjmp. No object with a destructor may live in
// this frame, or the jump would skip it; the caller owns everything.
bool write_png(png_structp png, png_infop info, png_uint_32 side, png_bytepp rows, std::string* out) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_write_fn(png, out, &append_to_string, &no_flush);
  png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

class PngWriter {
 public:
  PngWriter() : png_(png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, &on_png_error, &on_png_warning)) {
    if (png_ != nullptr) info_ = png_create_info_struct(png_);
  }
  ~PngWriter() { png_destroy_write_struct(&png_, info_ != nullptr ? &info_ : nullptr); }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;

  bool ready() const { return png_ != nullptr && info_ != nullptr; }
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

 private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

}  // namespace

domain::Result<std::string> QrPngRenderer::png(std::string_view payload) const {
  if (payload.empty()) return fail(ErrorCode::kInvalidArgument, "nothing to encode in a QR code", "payload");
  // QRcode_encodeString reads a C string: an embedded NUL would silently cut
  // the payload short and print a code that fails every scan.
  if (payload.find('\0') != std::string_view::npos) {
    return fail(ErrorCode::kInvalidArgument, "a QR payload must not contain NUL bytes", "payload");
  }
  const std::string text(payload);
  errno = 0;
  const std::unique_ptr<QRcode, QrCodeFree> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, /*casesensitive=*/1));
  if (!code) {
    if (errno == ERANGE) {
      return fail(ErrorCode::kInvalidArgument,
                  "payload of " + std::to_string(payload.size()) + " bytes is too long for a QR code", "payload");
    }
    return fail(ErrorCode::kInternal, "libqrencode failed to encode the payload (errno " + std::to_string(errno) + ")");
  }

  // With 8 pixels per module and a 1-bit image, each module is exactly one
  // byte of a row: 0x00 black, 0xff white.
  static_assert(kPixelsPerModule == 8);
  const auto modules = static_cast<std::size_t>(code->width) + 2 * static_cast<std::size_t>(kQuietZoneModules);
  const auto side = modules * kPixelsPerModule;
  std::vector<png_byte> pixels(side * modules, 0xff);
  const auto quiet = static_cast<std::size_t>(kQuietZoneModules);
  const auto width = static_cast<std::size_t>(code->width);
  for (std::size_t y = 0; y < width; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      // Bit 0 of each libqrencode byte is the module's colour (1 = dark).
      if ((code->data[y * width + x] & 1u) == 0) continue;
      for (std::size_t dy = 0; dy < kPixelsPerModule; ++dy) {
        pixels[((y + quiet) * kPixelsPerModule + dy) * modules + (x + quiet)] = 0x00;
      }
    }
  }
  std::vector<png_bytep> rows(side);
  for (std::size_t row = 0; row < side; ++row) rows[row] = &pixels[row * modules];

  PngWriter writer;
  if (!writer.ready()) return fail(ErrorCode::kInternal, "libpng could not allocate a writer");
  std::string out;
  if (!write_png(writer.png(), writer.info(), static_cast<png_uint_32>(side), rows.data(), &out)) {
    return fail(ErrorCode::kInternal, "libpng failed to write the QR image");
  }
  return out;
}

}  // namespace tastesync::infrastructure
