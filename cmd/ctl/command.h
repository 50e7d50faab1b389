#pragma once

// customer-idctl subcommands. Each lives in its own cmd/ctl/*_command.cpp and
// registers itself with a file-scope `CommandRegistration`, so adding one
// (e.g. identify_command.cpp) touches no other file: CMake globs cmd/ctl/*.cpp.

#include <expected>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tastesync::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and failed (missing key file, RPC error, ...)
inline constexpr int kExitUsage = 2;    // bad command line

// argv[0] is the subcommand name; argv[1..] its arguments.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `customer-idctl --help`
  CommandFn run;
};

struct CommandRegistration {
  explicit CommandRegistration(Command command);
};

// Sorted by name.
std::vector<Command> registered_commands();

struct ParsedOptions {
  std::map<std::string, std::string, std::less<>> values;  // "--ttl 60" and "--ttl=60" both give {"ttl", "60"}
  bool help = false;                                       // -h or --help anywhere

  std::string get(std::string_view name, const std::string& fallback = {}) const;
  bool has(std::string_view name) const { return values.contains(name); }
};

// Parses `--name value` / `--name=value` for the names in `known` (without
// dashes). Unknown options, positional arguments, repeats and missing values
// are errors (the message is ready to print).
std::expected<ParsedOptions, std::string> parse_options(int argc, char** argv,
                                                        std::initializer_list<std::string_view> known);

// Prints "customer-idctl <command>: <message>" and a hint to stderr; returns kExitUsage.
int usage_error(std::string_view command, std::string_view message);

}  // namespace tastesync::ctl
