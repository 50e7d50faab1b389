#include "application/use_cases/store_analytics_use_case.h"

#include <chrono>
#include <optional>
#include <string>

#include "application/use_cases/admin_validation.h"
#include "application/use_cases/store_access.h"
#include "domain/entities/floor_plan.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;

// YYYY-MM-DD, a real calendar day.
std::optional<std::chrono::sys_days> parse_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i) {
    for (std::size_t j = 0; j < lengths[i]; ++j) {
      const char c = text[starts[i] + j];
      if (c < '0' || c > '9') return std::nullopt;
      parts[i] = parts[i] * 10 + (c - '0');
    }
  }
  const std::chrono::year_month_day day{std::chrono::year{parts[0]},
                                        std::chrono::month{static_cast<unsigned>(parts[1])},
                                        std::chrono::day{static_cast<unsigned>(parts[2])}};
  if (!day.ok()) return std::nullopt;
  return std::chrono::sys_days{day};
}

// An IANA name's alphabet ("America/Argentina/Buenos_Aires", "Etc/GMT+3");
// whether the zone exists is the database's to say.
domain::Result<void> check_time_zone(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return fail(ErrorCode::kInvalidArgument, "must be an IANA time zone name such as Europe/Paris", "time_zone");
  }
  for (const char c : name) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
                         c == '_' || c == '-' || c == '+';
    if (!allowed) {
      return fail(ErrorCode::kInvalidArgument, "must be an IANA time zone name such as Europe/Paris", "time_zone");
    }
  }
  return {};
}

}  // namespace

StoreAnalyticsUseCase::StoreAnalyticsUseCase(const BeaconRegistryPort& registry, const StoreAnalyticsPort& analytics)
    : registry_(registry), analytics_(analytics) {}

domain::Result<StoreAnalytics> StoreAnalyticsUseCase::analytics(const Principal& caller,
                                                                const StoreAnalyticsRequest& request) const {
  if (auto ok = require_store_reader(caller, request.store_id, "GetStoreAnalytics"); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = validate_id(request.store_id, "store_id"); !ok) return std::unexpected(ok.error());
  AnalyticsPeriod period{request.store_id, request.from_date,
                         request.to_date.empty() ? request.from_date : request.to_date,
                         request.time_zone.empty() ? "UTC" : request.time_zone};
  if (request.from_date.empty()) {
    // No day at all: today in the store's time zone, which the database knows.
    if (!request.to_date.empty()) return fail(ErrorCode::kInvalidArgument, "needs from_date too", "to_date");
  } else {
    const auto from = parse_date(period.from_date);
    if (!from) return fail(ErrorCode::kInvalidArgument, "must be a day as YYYY-MM-DD", "from_date");
    const auto to = parse_date(period.to_date);
    if (!to) return fail(ErrorCode::kInvalidArgument, "must be a day as YYYY-MM-DD", "to_date");
    if (*to < *from) return fail(ErrorCode::kInvalidArgument, "must not be before from_date", "to_date");
    if ((*to - *from).count() >= kMaxDays) {
      return fail(ErrorCode::kInvalidArgument, "the range may span at most 366 days", "to_date");
    }
  }
  if (auto ok = check_time_zone(period.time_zone); !ok) return std::unexpected(ok.error());

  const domain::FloorPlanPtr plan = registry_.current();
  const domain::Store* store = plan->find_store(request.store_id);
  if (store == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + request.store_id + "' is not registered", "store_id");
  }
  auto figures = analytics_.analytics(period);
  if (!figures) return figures;
  // Every table of the plan is listed, the ones nobody sat at too.
  std::vector<TableFigures> tables;
  for (const domain::Zone& zone : store->zones) {
    if (zone.kind != domain::ZoneKind::kTable) continue;
    TableFigures row{zone.id, zone.label, 0.0, 0, 0.0};
    for (const TableFigures& measured : figures->tables) {
      if (measured.zone_id == zone.id)
        row = TableFigures{zone.id, zone.label, measured.occupancy, measured.sittings, measured.turnover_per_day};
    }
    tables.push_back(std::move(row));
  }
  figures->tables = std::move(tables);
  return figures;
}

}  // namespace tastesync::application
