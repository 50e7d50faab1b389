#include "integration/ctl_run.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace tastesync::testing {

CtlRun run_ctl_as_admin(const RunningServer& server, const std::string& arguments) {
  const std::string command = std::string(CID_CTL_BINARY) + " " + arguments + " --token " +
                              token_for("ops", application::Role::kAdmin) +
                              " --server 127.0.0.1:" + std::to_string(server.port()) + " --ca " +
                              (dev_keys_dir() / "ca.crt").string() + " 2>&1";
  CtlRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 512> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) run.output += buffer.data();
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

CtlRun import_fingerprints_with_ctl(const RunningServer& server, const std::filesystem::path& csv,
                                    const std::string& store_id) {
  return run_ctl_as_admin(server, "import-fingerprints " + csv.string() + " --store " + store_id);
}

}  // namespace tastesync::testing
