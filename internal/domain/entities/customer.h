#pragma once

#include <string>

namespace tastesync::domain {

// A TasteSync customer. The id is the platform's (the JWT subject); the
// personal fields are plaintext only in memory.
struct Customer {
  std::string id;
  std::string display_name;
  std::string phone;
  std::string email;
};

}  // namespace tastesync::domain
