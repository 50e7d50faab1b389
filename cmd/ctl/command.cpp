#include "command.h"

#include <algorithm>
#include <exception>
#include <iostream>
#include <string>
#include <utility>

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

int run_command_line(int argc, char** argv) {
  CLI::App app("Developer and operator tool for tastesync-customer-id.", "customer-idctl");
  app.require_subcommand(1);
  app.footer("Run 'customer-idctl <command> --help' for a command's options.");
  std::vector<std::pair<const CLI::App*, Runner>> runners;
  for (const Command& command : registered_commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    runners.emplace_back(sub, command.declare(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help goes to stdout with 0; any other parse error to stderr with the
    // usage exit code, whatever number CLI11 gives its kind of error.
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (const auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const std::exception& e) {
      std::cerr << "customer-idctl " << sub->get_name() << ": " << e.what() << "\n";
      return kExitFailure;
    }
  }
  return kExitUsage;  // unreachable: CLI11 requires one command
}

int usage_error(std::string_view command, std::string_view message) {
  std::cerr << "customer-idctl " << command << ": " << message << "\n"
            << "Run 'customer-idctl " << command << " --help' for usage.\n";
  return kExitUsage;
}

}  // namespace tastesync::ctl
