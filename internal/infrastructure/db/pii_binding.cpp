#include "infrastructure/db/pii_binding.h"

#include <string_view>

namespace tastesync::infrastructure::db {

// Ids cannot contain NUL (checked by the adapters), so the separator is unambiguous.
std::string customer_column_binding(const std::string& customer_id, const std::string& key_id, const char* column) {
  std::string ad = customer_id;
  ad.push_back('\0');
  ad += key_id;
  ad.push_back('\0');
  ad += column;
  return ad;
}

std::string device_secret_binding(const std::string& customer_id, const std::string& device_id,
                                  const std::string& key_id) {
  std::string ad = customer_id;
  ad.push_back('\0');
  ad += device_id;
  ad.push_back('\0');
  ad += key_id;
  ad += std::string_view("\0customer_devices.secret", 24);
  return ad;
}

}  // namespace tastesync::infrastructure::db
