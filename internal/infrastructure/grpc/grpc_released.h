#pragma once

// A client process's last step with gRPC: wait until gRPC has finished its
// own clean-up before the process exits.
//
// Why: when the last reference to gRPC is dropped on one of gRPC's own
// threads (a connection still closing as the channel goes), gRPC 1.51 cleans
// up on a detached thread that can still be freeing its TLS state when main
// returns. Exit then races that thread: LeakSanitizer can report OpenSSL
// objects half freed, and at worst the clean-up touches destroyed globals.
// The cost: after a call that could not connect, gRPC holds on until its
// reconnect backoff ends, so such a process exits about a second later
// (customer-idctl against a port nobody listens on: 1.06 s in all).

#include <chrono>

namespace tastesync::infrastructure::grpc_adapter {

// Call once every gRPC object of the caller (channels, stubs, servers) is
// gone. Returns true when gRPC holds nothing any more, false when `bound`
// passed first (something is still alive; the process exits as before).
bool wait_for_grpc_released(std::chrono::milliseconds bound = std::chrono::milliseconds(5000));

}  // namespace tastesync::infrastructure::grpc_adapter
