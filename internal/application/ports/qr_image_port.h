#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace tastesync::application {

// Renders a payload as a printable QR code image. A port so that the admin
// use cases stay free of image libraries and tests can do without them.
class QrImagePort {
 public:
  virtual ~QrImagePort() = default;
  // The PNG file's bytes. kInvalidArgument when the payload does not fit in a
  // QR code; kInternal when the encoder fails.
  virtual domain::Result<std::string> png(std::string_view payload) const = 0;
};

}  // namespace tastesync::application
