#pragma once

// How a launcher starts and stops a child server: posix_spawn (not fork:
// fork() would run gRPC's pthread_atfork handlers in a process whose own gRPC
// client may be busy), tied to this process's life, stopped by its PID.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tastesync::local_stack {

// Starts `arguments` (the program first) with this process's environment plus
// `environment`, stdout and stderr appended to `log_file`, default SIGINT and
// SIGTERM handling whatever this process installed. util-linux's setpriv sets
// PR_SET_PDEATHSIG before it execs the program, so the child stops even when
// this process dies by SIGKILL or a crash. The signal comes when the spawning
// *thread* ends: start children from a thread that outlives them. -1 when it
// could not be started.
pid_t spawn_child(const std::vector<std::string>& arguments, const std::map<std::string, std::string>& environment,
                  const std::filesystem::path& log_file);

// SIGTERM, then waits up to `grace` before SIGKILL; reaps the child either way.
// The exit code, or -1 when it had to be killed or died by a signal.
int stop_child(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(10));

}  // namespace tastesync::local_stack
