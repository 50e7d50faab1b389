#include "service/drain_sequence.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "infrastructure/logging/json_log.h"

namespace tastesync::service {

DrainDeadlines plan_drain(std::chrono::steady_clock::time_point started, std::chrono::seconds drain) {
  const std::chrono::steady_clock::duration for_kafka =
      std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(2), drain / 4);
  return DrainDeadlines{started + drain - for_kafka, started + drain};
}

bool run_drain(const DrainSteps& steps, const DrainDeadlines& deadlines) {
  if (steps.refuse_new) steps.refuse_new();
  if (steps.finish_grpc) steps.finish_grpc(deadlines.requests_by);
  const bool https_finished = !steps.finish_https || steps.finish_https(deadlines.requests_by);
  if (steps.stop_background) steps.stop_background();
  if (steps.flush_events) steps.flush_events();
  return https_finished;
}

void arm_drain_watchdog(std::chrono::steady_clock::time_point drained_by) {
  std::thread([drained_by] {
    std::this_thread::sleep_until(drained_by);
    infrastructure::log::error("stop.deadline_passed",
                               {{"reason", "drain did not finish within server.drain_seconds"}});
    std::_Exit(1);
  }).detach();
}

}  // namespace tastesync::service
