#pragma once

#include <string>
#include <string_view>

#include "application/ports/qr_image_port.h"

namespace tastesync::infrastructure {

// QR codes as black-and-white PNGs for printing on table cards: libqrencode at
// error-correction level M (survives ~15% damage: a coffee ring, a scratch),
// 8 pixels per module so a 300 dpi printer gives ~0.7 mm modules, and the
// 4-module quiet zone the QR standard requires for scanners to lock on.
class QrPngRenderer final : public application::QrImagePort {
 public:
  static constexpr int kPixelsPerModule = 8;
  static constexpr int kQuietZoneModules = 4;

  domain::Result<std::string> png(std::string_view payload) const override;
};

}  // namespace tastesync::infrastructure
