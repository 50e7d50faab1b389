#include "infrastructure/qr/qr_png.h"

#include <gtest/gtest.h>
#include <png.h>
#include <qrencode.h>

#include <string>
#include <vector>

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;

struct Decoded {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  std::vector<png_byte> gray;  // one byte per pixel, 0 black .. 255 white

  png_byte at(png_uint_32 x, png_uint_32 y) const { return gray[std::size_t{y} * width + x]; }
};

// Through libpng's own reader, so the test does not trust the writer's idea
// of the format.
Decoded decode(const std::string& png) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_NE(png_image_begin_read_from_memory(&image, png.data(), png.size()), 0) << image.message;
  image.format = PNG_FORMAT_GRAY;
  Decoded decoded{image.width, image.height, std::vector<png_byte>(PNG_IMAGE_SIZE(image))};
  EXPECT_NE(png_image_finish_read(&image, nullptr, decoded.gray.data(), 0, nullptr), 0) << image.message;
  return decoded;
}

int modules_for(const std::string& payload) {
  QRcode* code = QRcode_encodeString(payload.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  const int width = code->width;
  QRcode_free(code);
  return width;
}

const std::string kPayload = "TSQR1.ZGVtby1iaXN0cm8.dGFibGUtMw.qr-dev-1.q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80";

TEST(QrPngRenderer, WritesAPngFile) {
  auto png = QrPngRenderer{}.png(kPayload);
  ASSERT_TRUE(png.has_value()) << png.error().message;
  ASSERT_GE(png->size(), 8u);
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(QrPngRenderer, IsASquareOfEightPixelModulesWithAQuietZone) {
  auto png = QrPngRenderer{}.png(kPayload);
  ASSERT_TRUE(png.has_value()) << png.error().message;
  const Decoded image = decode(*png);
  const int modules = modules_for(kPayload) + 2 * QrPngRenderer::kQuietZoneModules;
  EXPECT_EQ(image.width, static_cast<png_uint_32>(modules * QrPngRenderer::kPixelsPerModule));
  EXPECT_EQ(image.height, image.width);
  ASSERT_EQ(image.gray.size(), std::size_t{image.width} * image.height);

  const png_uint_32 quiet = QrPngRenderer::kQuietZoneModules * QrPngRenderer::kPixelsPerModule;
  // The quiet zone is white all round ...
  for (png_uint_32 i = 0; i < image.width; ++i) {
    for (png_uint_32 edge = 0; edge < quiet; ++edge) {
      ASSERT_EQ(image.at(i, edge), 255);
      ASSERT_EQ(image.at(edge, i), 255);
      ASSERT_EQ(image.at(i, image.height - 1 - edge), 255);
      ASSERT_EQ(image.at(image.width - 1 - edge, i), 255);
    }
  }
  // ... and the top-left finder pattern starts right after it: a black 7x7
  // ring around a white ring around a black 3x3 centre.
  EXPECT_EQ(image.at(quiet, quiet), 0);
  EXPECT_EQ(image.at(quiet + 7 * 8 - 1, quiet + 7 * 8 - 1), 0);
  EXPECT_EQ(image.at(quiet + 1 * 8, quiet + 1 * 8), 255);
  EXPECT_EQ(image.at(quiet + 3 * 8 + 4, quiet + 3 * 8 + 4), 0);
  EXPECT_EQ(image.at(quiet + 7 * 8, quiet), 255);  // separator
}

TEST(QrPngRenderer, RejectsWhatCannotBeEncoded) {
  const QrPngRenderer renderer;
  EXPECT_EQ(renderer.png("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(renderer.png(std::string("ab\0cd", 5)).error().code, ErrorCode::kInvalidArgument);
  auto too_long = renderer.png(std::string(4000, 'x'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tastesync::infrastructure
