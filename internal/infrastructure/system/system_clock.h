#pragma once

#include "application/ports/clock_port.h"

namespace tastesync::infrastructure {

class SystemClock final : public application::ClockPort {
 public:
  domain::Timestamp now() const override { return domain::Clock::now(); }
};

}  // namespace tastesync::infrastructure
