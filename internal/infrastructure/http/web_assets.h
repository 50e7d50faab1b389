#pragma once

// The staff pages' files (web/floor/), compiled into the binary by
// scripts/embed_web.cmake so the server needs nothing installed beside it.

#include <string_view>
#include <vector>

namespace tastesync::infrastructure::http {

struct WebAsset {
  std::string_view name;  // file name under web/floor/, e.g. "app.js"
  std::string_view body;
};

const std::vector<WebAsset>& web_assets();

}  // namespace tastesync::infrastructure::http
