#pragma once

// Runs customer-idctl against a test server, as staff run it. Only the
// integration tests use it (so only they build and depend on the CLI).

#include <filesystem>
#include <string>

#include "integration/server_fixture.h"

namespace tastesync::testing {

// What a customer-idctl run printed and how it exited.
struct CtlRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// customer-idctl `arguments` against `server` with an admin token and the
// dev CA (the arguments reach the shell as they are).
CtlRun run_ctl_as_admin(const RunningServer& server, const std::string& arguments);

// `customer-idctl import-fingerprints CSV --store S`.
CtlRun import_fingerprints_with_ctl(const RunningServer& server, const std::filesystem::path& csv,
                                    const std::string& store_id);

}  // namespace tastesync::testing
