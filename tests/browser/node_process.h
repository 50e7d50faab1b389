#pragma once

// Runs a browser script (node + playwright-core) for the browser tests.

#include <string>
#include <vector>

namespace tastesync::testing {

// Runs `arguments` (argv[0] looked up on PATH) with `variables` ("NAME=value")
// added to this process's environment; its exit status, -1 when it could not
// run or did not exit.
int run_node(const std::vector<std::string>& arguments, const std::vector<std::string>& variables);

}  // namespace tastesync::testing
