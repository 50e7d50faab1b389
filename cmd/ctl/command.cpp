#include "command.h"

#include <algorithm>
#include <iostream>

namespace tastesync::ctl {
namespace {

// Function-local so registrations from other translation units' static
// initialisers never see it unconstructed.
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}

}  // namespace

CommandRegistration::CommandRegistration(Command command) { registry().push_back(command); }

std::vector<Command> registered_commands() {
  std::vector<Command> commands = registry();
  std::sort(commands.begin(), commands.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  return commands;
}

std::string ParsedOptions::get(std::string_view name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

std::expected<ParsedOptions, std::string> parse_options(int argc, char** argv,
                                                        std::initializer_list<std::string_view> known) {
  ParsedOptions parsed;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (!arg.starts_with("--") || arg.size() == 2) {
      return std::unexpected("unexpected argument '" + std::string(arg) + "'");
    }
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string value;
    bool has_value = false;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return std::unexpected("unknown option '--" + std::string(name) + "'");
    }
    if (!has_value) {
      if (i + 1 >= argc) return std::unexpected("option '--" + std::string(name) + "' needs a value");
      value = argv[++i];
    }
    if (!parsed.values.emplace(std::string(name), std::move(value)).second) {
      return std::unexpected("option '--" + std::string(name) + "' given twice");
    }
  }
  return parsed;
}

int usage_error(std::string_view command, std::string_view message) {
  std::cerr << "customer-idctl " << command << ": " << message << "\n"
            << "Run 'customer-idctl " << command << " --help' for usage.\n";
  return kExitUsage;
}

}  // namespace tastesync::ctl
