#include "local_stack/project_files.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tastesync::local_stack {

std::filesystem::path source_dir() { return CID_SOURCE_DIR; }
std::filesystem::path dev_keys_dir() { return source_dir() / "internal/config/keys/dev"; }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool ensure_dev_keys() {
  static const bool made = [] {
    const std::string command = (source_dir() / "scripts/keys.sh").string() + " >/dev/null";
    return std::system(command.c_str()) == 0;  // NOLINT(concurrency-mt-unsafe): once, before any server starts
  }();
  return made;
}

std::filesystem::path make_server_dir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / ("cid-" + name + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a directory like " + pattern);
  chmod(pattern.c_str(), 0755);
  return pattern;
}

}  // namespace tastesync::local_stack
