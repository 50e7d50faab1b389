#include "infrastructure/health/readiness.h"

#include <nlohmann/json.hpp>

namespace tastesync::infrastructure::health {

void Readiness::update(const DependencyStates& states) {
  std::scoped_lock lock(mutex_);
  states_ = states;
}

void Readiness::start_draining() {
  std::scoped_lock lock(mutex_);
  draining_ = true;
}

bool Readiness::ready() const {
  std::scoped_lock lock(mutex_);
  return !draining_ && states_.postgres && states_.kafka;
}

bool Readiness::draining() const {
  std::scoped_lock lock(mutex_);
  return draining_;
}

std::string Readiness::to_json() const {
  std::scoped_lock lock(mutex_);
  const auto state = [](bool up) { return up ? "up" : "down"; };
  return nlohmann::json{{"ready", !draining_ && states_.postgres && states_.kafka},
                        {"draining", draining_},
                        {"postgres", state(states_.postgres)},
                        {"redis", state(states_.redis)},
                        {"kafka", state(states_.kafka)}}
      .dump();
}

}  // namespace tastesync::infrastructure::health
