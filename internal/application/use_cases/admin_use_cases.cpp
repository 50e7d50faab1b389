#include "application/use_cases/admin_use_cases.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include "application/use_cases/admin_validation.h"
#include "application/use_cases/store_access.h"
#include "domain/entities/floor_plan.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

domain::Result<void> require_visit_reader(const Principal& caller, const std::string& customer_id) {
  if (caller.role == Role::kAdmin || caller.role == Role::kService) return {};
  if (caller.role == Role::kCustomer && caller.subject == customer_id) return {};
  if (caller.role == Role::kCustomer) {
    return fail(ErrorCode::kPermissionDenied, "ListCustomerVisits: a customer may list only their own visits");
  }
  return fail(
      ErrorCode::kPermissionDenied,
      std::string("ListCustomerVisits needs an admin, service or customer token, not ") + to_string(caller.role));
}

// Runs the checks in order and returns the first failure.
template <typename... Checks>
domain::Result<void> first_failure(Checks&&... checks) {
  domain::Result<void> result;
  (void)((result = checks(), result.has_value()) && ...);
  return result;
}

// A zone's layout and position, each checked when given (AddZone, UpdateZone).
domain::Result<void> check_placement(const std::optional<domain::ZoneLayout>& layout,
                                     const std::optional<domain::FloorPosition>& position) {
  if (layout) {
    if (auto ok = domain::check_layout(*layout, "layout"); !ok) return ok;
  }
  if (position) return domain::check_position(*position, "position");
  return {};
}

}  // namespace

AdminUseCases::AdminUseCases(RegistryAdminPort& registry_admin, const BeaconRegistryPort& registry,
                             CustomerDirectoryPort& customers, const VisitLedgerPort& ledger,
                             const TableQrSignerPort& table_qr, const QrImagePort& qr_image)
    : registry_admin_(registry_admin),
      registry_(registry),
      customers_(customers),
      ledger_(ledger),
      table_qr_(table_qr),
      qr_image_(qr_image) {}

domain::Result<void> AdminUseCases::create_store(const Principal& caller, const CreateStoreRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "CreateStore"); },
                              [&] { return validate_id(request.store_id, "store_id"); },
                              [&] { return validate_name(request.name, "name"); },
                              [&] { return validate_location(request.latitude, request.longitude); });
      !ok) {
    return ok;
  }
  domain::Store store{request.store_id, request.name, {}};
  if (request.latitude) store.location = domain::GeoPoint{*request.latitude, *request.longitude};
  return registry_admin_.create_store(store);
}

domain::Result<void> AdminUseCases::add_zone(const Principal& caller, const AddZoneRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "AddZone"); },
                              [&] { return validate_id(request.store_id, "store_id"); },
                              [&] { return validate_id(request.zone_id, "zone_id"); },
                              [&]() -> domain::Result<void> {
                                if (request.kind) return {};
                                return fail(ErrorCode::kInvalidArgument, "kind must be ENTRANCE or TABLE", "kind");
                              },
                              [&] { return validate_name(request.label, "label"); },
                              [&] { return check_placement(request.layout, request.position); });
      !ok) {
    return ok;
  }
  return registry_admin_.add_zone(
      domain::Zone{request.zone_id, request.store_id, *request.kind, request.label, request.layout, request.position});
}

domain::Result<void> AdminUseCases::update_zone(const Principal& caller, const UpdateZoneRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "UpdateZone"); },
                              [&] { return validate_id(request.store_id, "store_id"); },
                              [&] { return validate_id(request.zone_id, "zone_id"); },
                              [&]() -> domain::Result<void> {
                                if (request.label || request.layout || request.position) return {};
                                return fail(ErrorCode::kInvalidArgument,
                                            "nothing to change: give a label, a layout or a position");
                              },
                              [&]() -> domain::Result<void> {
                                if (!request.label) return {};
                                return validate_name(*request.label, "label");
                              },
                              [&] { return check_placement(request.layout, request.position); });
      !ok) {
    return ok;
  }
  return registry_admin_.update_zone(request);
}

domain::Result<void> AdminUseCases::register_beacon(const Principal& caller, const RegisterBeaconRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "RegisterBeacon"); },
                              [&] { return validate_id(request.store_id, "store_id"); },
                              [&] { return validate_id(request.zone_id, "zone_id"); },
                              [&] { return validate_calibration_offset(request.calibration_offset_db); });
      !ok) {
    return ok;
  }
  auto checked = validate_beacon(request.uuid, request.major, request.minor, request.tx_power);
  if (!checked) return std::unexpected(checked.error());
  domain::Beacon beacon;
  beacon.key = checked->key;
  beacon.store_id = request.store_id;
  beacon.zone_id = request.zone_id;
  if (checked->tx_power) beacon.tx_power_1m = *checked->tx_power;
  beacon.calibration_offset_db = request.calibration_offset_db;
  return registry_admin_.register_beacon(beacon);
}

domain::Result<void> AdminUseCases::retire_beacon(const Principal& caller, const RetireBeaconRequest& request) {
  if (auto ok = require_admin(caller, "RetireBeacon"); !ok) return ok;
  auto checked = validate_beacon(request.uuid, request.major, request.minor);
  if (!checked) return std::unexpected(checked.error());
  return registry_admin_.retire_beacon(checked->key);
}

domain::Result<void> AdminUseCases::register_customer(const Principal& caller, const RegisterCustomerRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "RegisterCustomer"); },
                              [&] { return validate_id(request.customer_id, "customer_id"); },
                              [&] { return validate_name(request.display_name, "display_name"); },
                              [&]() -> domain::Result<void> {
                                return request.phone.empty() ? domain::Result<void>{}
                                                             : validate_phone(request.phone, "phone");
                              },
                              [&]() -> domain::Result<void> {
                                return request.email.empty() ? domain::Result<void>{}
                                                             : validate_email(request.email, "email");
                              });
      !ok) {
    return ok;
  }
  return customers_.add(domain::Customer{request.customer_id, request.display_name, request.phone, request.email});
}

domain::Result<TableQrCode> AdminUseCases::issue_table_qr(const Principal& caller, const IssueTableQrRequest& request) {
  if (auto ok = first_failure([&] { return require_admin(caller, "IssueTableQr"); },
                              [&] { return validate_id(request.store_id, "store_id"); },
                              [&] { return validate_id(request.zone_id, "zone_id"); });
      !ok) {
    return std::unexpected(ok.error());
  }
  // Only what the registry knows gets a code: a QR printed for a zone that
  // does not exist would fail every scan at the table.
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(request.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + request.store_id + "' is not registered", "store_id");
  }
  const domain::Zone* zone = plan->find_zone(request.store_id, request.zone_id);
  if (zone == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + request.store_id + "' has no zone '" + request.zone_id + "'",
                "zone_id");
  }
  if (zone->kind != domain::ZoneKind::kTable) {
    return fail(ErrorCode::kInvalidArgument,
                "zone '" + zone->id + "' is " + domain::to_string(zone->kind) + "; table QR codes are for tables",
                "zone_id");
  }
  auto payload = table_qr_.sign(zone->store_id, zone->id);
  if (!payload) return std::unexpected(payload.error());
  auto png = qr_image_.png(*payload);
  if (!png) return std::unexpected(png.error());
  return TableQrCode{std::move(*payload), std::move(*png)};
}

domain::Result<std::vector<PresentCustomer>> AdminUseCases::store_presence(const Principal& caller,
                                                                           const GetStorePresenceRequest& request) {
  if (auto ok = first_failure([&] { return require_store_reader(caller, request.store_id, "GetStorePresence"); },
                              [&] { return validate_id(request.store_id, "store_id"); });
      !ok) {
    return std::unexpected(ok.error());
  }
  const domain::FloorPlanPtr plan = registry_.current();
  if (plan->find_store(request.store_id) == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + request.store_id + "' is not registered", "store_id");
  }
  auto present = ledger_.in_store(request.store_id);
  if (!present) return std::unexpected(present.error());

  std::vector<PresentCustomer> customers;
  customers.reserve(present->size());
  for (const domain::CustomerPresence& entry : *present) {
    const domain::Presence& presence = entry.presence;
    PresentCustomer customer{entry.customer_id,   presence.zone_id,  presence.zone_kind, {},
                             presence.zone_since, presence.last_seen};
    // A zone removed since the customer sat down keeps no label.
    const domain::Zone* zone = plan->find_zone(presence.store_id, presence.zone_id);
    if (zone != nullptr && zone->kind == domain::ZoneKind::kTable) customer.table_label = zone->label;
    customers.push_back(std::move(customer));
  }
  std::sort(customers.begin(), customers.end(), [](const PresentCustomer& a, const PresentCustomer& b) {
    return std::tie(a.zone_id, a.customer_id) < std::tie(b.zone_id, b.customer_id);
  });
  return customers;
}

domain::Result<std::vector<domain::Visit>> AdminUseCases::customer_visits(const Principal& caller,
                                                                          const ListCustomerVisitsRequest& request) {
  if (auto ok = first_failure([&] { return require_visit_reader(caller, request.customer_id); },
                              [&] { return validate_id(request.customer_id, "customer_id"); });
      !ok) {
    return std::unexpected(ok.error());
  }
  auto limit = validate_visits_limit(request.limit);
  if (!limit) return std::unexpected(limit.error());
  // No directory check: a customer known only from their token has visits
  // too, and "none yet" is an empty list, not an error.
  return ledger_.visits(request.customer_id, *limit);
}

}  // namespace tastesync::application
