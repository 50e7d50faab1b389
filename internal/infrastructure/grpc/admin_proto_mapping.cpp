#include "infrastructure/grpc/admin_proto_mapping.h"

#include <chrono>
#include <limits>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

void to_proto(domain::Timestamp at, google::protobuf::Timestamp& out) {
  const auto since_epoch = at.time_since_epoch();
  auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  out.set_seconds(seconds.count());
  out.set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
}

// A zone's optional layout and position, into a message that has both
// (FloorZone, AddZoneRequest, UpdateZoneRequest).
template <typename Message>
void place(const domain::Zone& zone, Message& out) {
  if (zone.layout) {
    out.mutable_layout()->set_x(zone.layout->x);
    out.mutable_layout()->set_y(zone.layout->y);
    out.mutable_layout()->set_width(zone.layout->width);
    out.mutable_layout()->set_height(zone.layout->height);
  }
  if (zone.position) {
    out.mutable_position()->set_x(zone.position->x_m);
    out.mutable_position()->set_y(zone.position->y_m);
  }
}

admin_v1::ZoneKind to_proto(domain::ZoneKind kind) {
  return kind == domain::ZoneKind::kEntrance ? admin_v1::ENTRANCE : admin_v1::TABLE;
}

}  // namespace

application::CreateStoreRequest from_proto(const admin_v1::CreateStoreRequest& request) {
  application::CreateStoreRequest out{request.store_id(), request.name()};
  if (request.has_latitude()) out.latitude = request.latitude();
  if (request.has_longitude()) out.longitude = request.longitude();
  return out;
}

namespace {

// The layout and position of an AddZone or UpdateZone request, when given
// (the inverse of place()).
template <typename Request, typename Out>
void read_placement(const Request& request, Out& out) {
  if (request.has_layout()) {
    const auto& layout = request.layout();
    out.layout = domain::ZoneLayout{layout.x(), layout.y(), layout.width(), layout.height()};
  }
  if (request.has_position()) {
    // A coordinate left out is not 0 (the plan's edge): NaN, which the use
    // case refuses naming position.x or position.y.
    const auto coordinate = [](bool given, double value) {
      return given ? value : std::numeric_limits<double>::quiet_NaN();
    };
    const auto& position = request.position();
    out.position =
        domain::FloorPosition{coordinate(position.has_x(), position.x()), coordinate(position.has_y(), position.y())};
  }
}

}  // namespace

application::AddZoneRequest from_proto(const admin_v1::AddZoneRequest& request) {
  application::AddZoneRequest out{request.store_id(), request.zone_id(), std::nullopt, request.label()};
  // UNSPECIFIED and unknown enum numbers stay nullopt: the use case says why.
  if (request.kind() == admin_v1::ENTRANCE) out.kind = domain::ZoneKind::kEntrance;
  if (request.kind() == admin_v1::TABLE) out.kind = domain::ZoneKind::kTable;
  read_placement(request, out);
  return out;
}

application::UpdateZoneRequest from_proto(const admin_v1::UpdateZoneRequest& request) {
  application::UpdateZoneRequest out{request.store_id(), request.zone_id()};
  if (request.has_label()) out.label = request.label();
  read_placement(request, out);
  return out;
}

void to_proto(const domain::Zone& zone, admin_v1::AddZoneRequest& out) {
  out.set_store_id(zone.store_id);
  out.set_zone_id(zone.id);
  out.set_kind(to_proto(zone.kind));
  out.set_label(zone.label);
  place(zone, out);
}

bool to_proto(const domain::Zone& zone, admin_v1::UpdateZoneRequest& out) {
  out.set_store_id(zone.store_id);
  out.set_zone_id(zone.id);
  place(zone, out);
  return zone.layout || zone.position;
}

application::RegisterBeaconRequest from_proto(const admin_v1::RegisterBeaconRequest& request) {
  application::RegisterBeaconRequest out;
  out.uuid = request.uuid();
  out.major = request.major();
  out.minor = request.minor();
  out.store_id = request.store_id();
  out.zone_id = request.zone_id();
  if (request.has_tx_power()) out.tx_power = request.tx_power();
  out.calibration_offset_db = request.calibration_offset_db();
  return out;
}

application::RetireBeaconRequest from_proto(const admin_v1::RetireBeaconRequest& request) {
  return {request.uuid(), request.major(), request.minor()};
}

application::RegisterCustomerRequest from_proto(const admin_v1::RegisterCustomerRequest& request) {
  return {request.customer_id(), request.display_name(), request.phone(), request.email()};
}

application::IssueTableQrRequest from_proto(const admin_v1::IssueTableQrRequest& request) {
  return {request.store_id(), request.zone_id()};
}

application::GetStorePresenceRequest from_proto(const admin_v1::GetStorePresenceRequest& request) {
  return {request.store_id()};
}

application::ListCustomerVisitsRequest from_proto(const admin_v1::ListCustomerVisitsRequest& request) {
  return {request.customer_id(), request.limit()};
}

void to_proto(const application::TableQrCode& code, admin_v1::IssueTableQrResponse& out) {
  out.set_payload(code.payload);
  out.set_png(code.png);
}

void to_proto(const std::vector<application::PresentCustomer>& customers, admin_v1::GetStorePresenceResponse& out) {
  for (const application::PresentCustomer& customer : customers) {
    admin_v1::PresentCustomer* entry = out.add_customers();
    entry->set_customer_id(customer.customer_id);
    entry->set_zone_id(customer.zone_id);
    entry->set_zone_kind(to_proto(customer.zone_kind));
    entry->set_table_label(customer.table_label);
    to_proto(customer.since, *entry->mutable_since());
    to_proto(customer.last_seen, *entry->mutable_last_seen());
  }
}

void to_proto(const std::vector<domain::Visit>& visits, admin_v1::ListCustomerVisitsResponse& out) {
  for (const domain::Visit& visit : visits) {
    admin_v1::Visit* entry = out.add_visits();
    entry->set_visit_id(visit.visit_id);
    entry->set_store_id(visit.store_id);
    to_proto(visit.entered_at, *entry->mutable_entered_at());
    if (visit.left_at) to_proto(*visit.left_at, *entry->mutable_left_at());
    for (const domain::ZoneStay& stay : visit.zones) {
      admin_v1::ZoneStay* zone = entry->add_zones();
      zone->set_zone_id(stay.zone_id);
      to_proto(stay.since, *zone->mutable_since());
    }
  }
}

application::StoreAnalyticsRequest from_proto(const admin_v1::GetStoreAnalyticsRequest& request) {
  return {request.store_id(), request.from_date(), request.to_date(), request.time_zone()};
}

void to_proto(const application::FloorCustomer& customer, admin_v1::FloorCustomer& out) {
  out.set_customer_id(customer.customer_id);
  out.set_display_name(customer.display_name);
  out.set_zone_id(customer.zone_id);
  to_proto(customer.since, *out.mutable_since());
  to_proto(customer.last_seen, *out.mutable_last_seen());
  if (customer.confidence) out.set_confidence(*customer.confidence);
}

void to_proto(const application::StoreFloor& floor, admin_v1::GetStoreFloorResponse& out) {
  out.set_store_id(floor.store_id);
  out.set_store_name(floor.store_name);
  for (const domain::Zone& zone : floor.zones) {
    admin_v1::FloorZone* entry = out.add_zones();
    entry->set_zone_id(zone.id);
    entry->set_kind(to_proto(zone.kind));
    entry->set_label(zone.label);
    place(zone, *entry);
  }
  for (const application::FloorCustomer& customer : floor.customers) to_proto(customer, *out.add_customers());
}

void to_proto(const application::StoreAnalytics& analytics, admin_v1::GetStoreAnalyticsResponse& out) {
  out.set_store_id(analytics.period.store_id);
  out.set_from_date(analytics.period.from_date);
  out.set_to_date(analytics.period.to_date);
  out.set_time_zone(analytics.period.time_zone);
  out.set_visits(analytics.visits);
  for (const std::uint32_t count : analytics.visits_per_hour) out.add_visits_per_hour(count);
  const auto summary = [](const application::DurationSummary& in, admin_v1::DurationSummary& to) {
    to.set_count(in.count);
    to.set_median_seconds(in.median_seconds);
    to.set_p90_seconds(in.p90_seconds);
  };
  summary(analytics.visit_length, *out.mutable_visit_length());
  summary(analytics.time_to_seat, *out.mutable_time_to_seat());
  out.set_open_hours(analytics.open_hours);
  out.set_open_days(analytics.open_days);
  for (const application::TableFigures& table : analytics.tables) {
    admin_v1::TableFigures* entry = out.add_tables();
    entry->set_zone_id(table.zone_id);
    entry->set_label(table.label);
    entry->set_occupancy(table.occupancy);
    entry->set_sittings(table.sittings);
    entry->set_turnover_per_day(table.turnover_per_day);
  }
  out.set_new_customers(analytics.new_customers);
  out.set_returning_customers(analytics.returning_customers);
}

}  // namespace tastesync::infrastructure::grpc_adapter
