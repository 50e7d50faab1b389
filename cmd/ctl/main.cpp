// customer-idctl: developer and operator tool for tastesync-customer-id.
// Subcommands register themselves (see command.h); this file only hands over
// the command line.

#include "command.h"

int main(int argc, char** argv) { return tastesync::ctl::run_command_line(argc, argv); }
