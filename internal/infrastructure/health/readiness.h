#pragma once

// Whether this instance should get traffic, as last checked, for every way it
// is asked: gRPC health, GET /readyz, and the shutdown drain. One answer for
// all of them, so a load balancer never sees two opinions.

#include <mutex>
#include <string>

namespace tastesync::infrastructure::health {

struct DependencyStates {
  bool postgres = true;  // reachable: transitions can be recorded
  bool redis = true;     // reachable; when not, presence is kept locally
  bool kafka = true;     // events are being delivered (or none are waiting)
};

class Readiness {
 public:
  void update(const DependencyStates& states);
  // From SIGTERM on: not ready, so balancers stop sending new requests.
  void start_draining();

  // Redis is reported but not required: the service answers from local
  // state while it is away (README, "State, and what happens...").
  bool ready() const;
  bool draining() const;
  // {"ready": false, "draining": false, "postgres": "up", "redis": "down", "kafka": "up"}
  std::string to_json() const;

 private:
  mutable std::mutex mutex_;
  DependencyStates states_;
  bool draining_ = false;
};

}  // namespace tastesync::infrastructure::health
