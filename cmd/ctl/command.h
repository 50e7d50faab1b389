#pragma once

// customer-idctl subcommands, on CLI11. Each lives in its own
// cmd/ctl/*_command.cpp and registers itself with a file-scope
// `CommandRegistration`, so adding one (e.g. identify_command.cpp) touches no
// other file: CMake globs cmd/ctl/*.cpp. CLI11 checks the types of the
// options and writes every command's --help from what it declares.

#include <CLI/CLI.hpp>
#include <functional>
#include <string_view>
#include <vector>

namespace tastesync::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (missing key file, RPC error, ...)
inline constexpr int kExitUsage = 2;    // bad command line

// What runs a command once its command line is parsed: the exit code.
using Runner = std::function<int()>;
// Declares a command's options and arguments on `command`, bound to values
// the returned Runner reads.
using DeclareFn = Runner (*)(CLI::App& command);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `customer-idctl --help`
  DeclareFn declare;
};

struct CommandRegistration {
  explicit CommandRegistration(Command command);
};

// Sorted by name.
std::vector<Command> registered_commands();

// The whole command line (argv[1] names the command): parses it, prints help
// or the usage error, or runs the command. Returns the exit code.
int run_command_line(int argc, char** argv);

// Prints "customer-idctl <command>: <message>" and a hint to stderr; returns
// kExitUsage. For what CLI11 cannot check alone (one of two options, a
// format inside a value).
int usage_error(std::string_view command, std::string_view message);

}  // namespace tastesync::ctl
