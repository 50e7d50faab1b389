#pragma once

// A StoreAnalyticsPort that answers the figures a test sets and remembers the
// period it was asked for.

#include "application/ports/store_analytics_port.h"

namespace tastesync::testing {

class FakeStoreAnalytics final : public application::StoreAnalyticsPort {
 public:
  domain::Result<application::StoreAnalytics> analytics(const application::AnalyticsPeriod& period) const override {
    asked = period;
    application::StoreAnalytics figures = answer;
    figures.period = period;
    return figures;
  }

  application::StoreAnalytics answer;
  mutable application::AnalyticsPeriod asked;
};

}  // namespace tastesync::testing
