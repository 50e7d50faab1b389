#pragma once

#include <optional>
#include <string>

#include "domain/entities/customer.h"
#include "domain/error.h"

namespace tastesync::application {

// Registered customers and their (encrypted at rest) personal data.
class CustomerDirectoryPort {
 public:
  virtual ~CustomerDirectoryPort() = default;
  virtual domain::Result<std::optional<domain::Customer>> find(const std::string& customer_id) const = 0;
  virtual domain::Result<void> add(const domain::Customer& customer) = 0;
};

}  // namespace tastesync::application
