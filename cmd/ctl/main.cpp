// customer-idctl: developer and operator tool for tastesync-customer-id.
// Subcommands register themselves (see command.h); this file only dispatches.

#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "command.h"

namespace {

void print_usage(std::ostream& out) {
  out << "Usage: customer-idctl <command> [options]\n\nCommands:\n";
  for (const auto& command : tastesync::ctl::registered_commands()) {
    out << "  " << command.name << std::string(command.name.size() < 10 ? 10 - command.name.size() : 1, ' ')
        << command.summary << "\n";
  }
  out << "\nRun 'customer-idctl <command> --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tastesync::ctl;
  if (argc < 2) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_usage(std::cout);
    return kExitOk;
  }
  for (const auto& command : registered_commands()) {
    if (command.name == name) {
      try {
        return command.run(argc - 1, argv + 1);
      } catch (const std::exception& e) {
        std::cerr << "customer-idctl " << name << ": " << e.what() << "\n";
        return kExitFailure;
      }
    }
  }
  std::cerr << "customer-idctl: unknown command '" << name << "'\n\n";
  print_usage(std::cerr);
  return kExitUsage;
}
