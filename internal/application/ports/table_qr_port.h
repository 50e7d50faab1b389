#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace tastesync::application {

// What a genuine table QR code says.
struct TableQrClaim {
  std::string store_id;
  std::string zone_id;
  std::string key_id;
};

// Verifies the service's own signature on a scanned table QR payload. An
// altered, forged or unparseable payload is kInvalidArgument; a payload signed
// with a key the service no longer holds is kInvalidArgument too (it cannot
// be told apart from a forgery).
class TableQrVerifierPort {
 public:
  virtual ~TableQrVerifierPort() = default;
  virtual domain::Result<TableQrClaim> verify(std::string_view payload) const = 0;
};

// Issues payloads for printing; only admin tooling needs it.
class TableQrSignerPort {
 public:
  virtual ~TableQrSignerPort() = default;
  virtual domain::Result<std::string> sign(const std::string& store_id, const std::string& zone_id) const = 0;
};

}  // namespace tastesync::application
