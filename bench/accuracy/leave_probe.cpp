#include "accuracy/leave_probe.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "application/use_cases/leave_detection_use_case.h"
#include "infrastructure/system/uuid_v7_generator.h"
#include "mocks/in_memory_last_seen.h"
#include "mocks/in_memory_ports.h"
#include "support/accuracy_metrics.h"

namespace tastesync::bench {

std::vector<double> leave_delays(std::span<const testing::CustomerTrack> tracks, const std::string& store_id,
                                 const LeaveProbeSettings& settings) {
  infrastructure::InMemoryPresenceStore raw_presence;
  testing::InMemoryLastSeenIndex index;
  testing::IndexedPresenceStore presence(raw_presence, index);
  testing::InMemoryVisitLedger ledger;
  testing::InMemoryEventPublisher events;
  infrastructure::UuidV7Generator ids;
  application::LeaveDetectionUseCase leave(
      application::LeaveDetectionDependencies{index, ledger, events, ids, presence},
      application::LeaveDetectionSettings{settings.leave_after, tracks.size() + 1, 1});

  // Every customer has an open visit and was last seen at their last report.
  domain::Timestamp first_gone = domain::Timestamp::max();
  domain::Timestamp last_gone = domain::Timestamp::min();
  std::map<std::string, const testing::CustomerTrack*> by_customer;
  for (std::size_t c = 0; c < tracks.size(); ++c) {
    const testing::CustomerTrack& track = tracks[c];
    if (track.points.empty()) continue;
    const std::string customer = "customer-" + std::to_string(c);
    const testing::TrackPoint& last = track.points.back();
    domain::PresenceRecord record;
    record.presence = domain::Presence{
        ids.next_id(), store_id, testing::entrance_zone_id(), domain::ZoneKind::kEntrance, track.points.front().at,
        last.at,       last.at};
    if (!ledger.record(customer, std::nullopt, record.presence, {}, std::nullopt) || !presence.save(customer, record))
      continue;
    by_customer.emplace(customer, &track);
    first_gone = std::min(first_gone, last.at);
    last_gone = std::max(last_gone, last.at);
  }

  std::mt19937_64 rng(settings.seed);
  std::uniform_int_distribution<std::int64_t> phase_ms(0, std::chrono::milliseconds(settings.sweep_interval).count());
  const domain::Timestamp end = last_gone + settings.leave_after + 2 * settings.sweep_interval;
  for (domain::Timestamp now = first_gone + std::chrono::milliseconds{phase_ms(rng)}; now <= end;
       now += settings.sweep_interval) {
    if (!leave.sweep(now)) break;
  }

  std::vector<double> delays;
  for (const domain::DomainEvent& event : events.published()) {
    if (event.type != domain::EventType::kCustomerLeftStore) continue;
    const auto found = by_customer.find(event.customer_id);
    if (found == by_customer.end()) continue;
    delays.push_back(testing::leave_delay_seconds(*found->second, settings.report_interval, event.occurred_at));
  }
  std::sort(delays.begin(), delays.end());
  return delays;
}

}  // namespace tastesync::bench
