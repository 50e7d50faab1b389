// customer-idctl: developer and operator tool for tastesync-customer-id.
// Subcommands register themselves (see command.h); this file only hands over
// the command line, then lets gRPC finish its clean-up before the process exits.

#include "command.h"
#include "infrastructure/grpc/grpc_released.h"

int main(int argc, char** argv) {
  const int code = tastesync::ctl::run_command_line(argc, argv);
  tastesync::infrastructure::grpc_adapter::wait_for_grpc_released();
  return code;
}
