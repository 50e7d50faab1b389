#include "application/use_cases/store_scanner_use_case.h"

#include <cstdio>
#include <set>
#include <utility>

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::fail;
using Placement = IdentifyCustomerUseCase::Placement;

constexpr std::int64_t kMaxMajorMinor = 65535;

// Where a scanner's sighting puts the customer: their current zone when the
// visit is already in this store, else the store's entrance (which restarts
// the beacon resolver there, as a table QR does at its table).
domain::Result<Placement> place_in_store(const domain::FloorPlan& plan, domain::PresenceRecord& record,
                                         const std::string& store_id, domain::Signal signal) {
  const domain::Store* store = plan.find_store(store_id);
  if (store == nullptr) {
    return fail(ErrorCode::kNotFound, "store '" + store_id + "' is not registered", "store_id");
  }
  if (record.presence && record.presence->store_id == store_id) {
    if (const domain::Zone* here = plan.find_zone(store_id, record.presence->zone_id); here != nullptr) {
      return Placement{here, 1.0, signal};
    }
  }
  for (const domain::Zone& zone : store->zones) {
    if (zone.kind != domain::ZoneKind::kEntrance) continue;
    const domain::Zone* entrance = plan.find_zone(store_id, zone.id);
    if (entrance == nullptr) break;
    record.resolver = domain::ResolverState{};
    record.resolver.store_id = store_id;
    record.resolver.incumbent_zone_id = entrance->id;
    return Placement{entrance, 1.0, signal};
  }
  return fail(ErrorCode::kFailedPrecondition, "store '" + store_id + "' has no entrance zone to place customers at");
}

// Retries from the same scanner with the same request_id get the first
// answer; scanners' ids never collide with customers' (who use their own
// subject as the scope).
std::string scanner_scope(const Principal& caller, const std::string& request_id) {
  return "scanner\n" + caller.subject + '\n' + request_id;
}

std::string digest_of(const std::string& kind, const std::string& store_id, const std::string& body) {
  // The body is short: keep it verbatim rather than hashing, it is only
  // compared with a retry's.
  return kind + '\n' + store_id + '\n' + body;
}

}  // namespace

StoreScannerUseCase::StoreScannerUseCase(const StoreScannerDependencies& deps, const StoreScannerSettings& settings)
    : deps_(deps), settings_(settings) {}

domain::Result<void> StoreScannerUseCase::authorize(const Principal& caller, const std::string& request_id,
                                                    const std::string& store_id) const {
  if (caller.role != Role::kScanner) {
    return fail(ErrorCode::kPermissionDenied,
                std::string("store scanner reports need a scanner token, not ") + to_string(caller.role));
  }
  if (auto ok = validate_request_id(request_id, settings_.limits); !ok) return ok;
  if (store_id.empty()) return fail(ErrorCode::kInvalidArgument, "store_id is required", "store_id");
  if (store_id != caller.store_id) {
    return fail(ErrorCode::kPermissionDenied, "this scanner is bound to store '" + caller.store_id +
                                                  "' and may not report for store '" + store_id.substr(0, 64) + "'");
  }
  return {};
}

domain::Result<IdentifyResponse> StoreScannerUseCase::report_phone_beacon(const Principal& caller,
                                                                          const PhoneBeaconReport& report) {
  if (auto ok = authorize(caller, report.request_id, report.store_id); !ok) return std::unexpected(ok.error());
  if (report.major < 0 || report.major > kMaxMajorMinor) {
    return fail(ErrorCode::kInvalidArgument, "major must be 0..65535, got " + std::to_string(report.major), "major");
  }
  if (report.minor < 0 || report.minor > kMaxMajorMinor) {
    return fail(ErrorCode::kInvalidArgument, "minor must be 0..65535, got " + std::to_string(report.minor), "minor");
  }
  if (report.rssi < -127 || report.rssi > -1) {
    return fail(ErrorCode::kInvalidArgument, "rssi must be -127..-1 dBm, got " + std::to_string(report.rssi), "rssi");
  }
  const domain::Timestamp now = deps_.clock.now();
  if (report.observed_at) {
    // The id is matched against the server's rotation window; a reading
    // stamped far from it is from another window (or another clock).
    const auto skew = std::chrono::duration_cast<std::chrono::seconds>(*report.observed_at - now);
    if (skew > settings_.rotation_period || skew < -settings_.rotation_period) {
      return fail(ErrorCode::kInvalidArgument,
                  "observed_at is " + std::to_string(skew.count()) + " s off the server's clock (at most " +
                      std::to_string(settings_.rotation_period.count()) + " s, one rotation period)",
                  "observed_at");
    }
  }

  const auto major = static_cast<std::uint16_t>(report.major);
  const auto minor = static_cast<std::uint16_t>(report.minor);
  auto matches = deps_.phones.resolve(major, minor, now);
  if (!matches) return std::unexpected(matches.error());
  const std::string id_text = std::to_string(report.major) + ":" + std::to_string(report.minor);
  if (matches->empty()) {
    return fail(ErrorCode::kNotFound, "no registered phone advertises " + id_text +
                                          " in the current rotation window (unknown, stale or replayed id)");
  }
  std::set<std::string> devices;
  for (const PhoneBeaconMatch& match : *matches) devices.insert(match.device_id);
  if (devices.size() > 1) {
    // 32 bits of id: rare, but two phones can collide in a window. Guessing
    // would place a stranger; the phones rotate to distinct ids soon.
    return fail(ErrorCode::kFailedPrecondition, "ambiguous: " + std::to_string(devices.size()) +
                                                    " registered phones advertise " + id_text +
                                                    " in this rotation window; refusing to guess (report the next id)");
  }
  const PhoneBeaconMatch match = matches->front();

  char observed[32];
  std::snprintf(observed, sizeof(observed), "%lld",
                report.observed_at ? static_cast<long long>(report.observed_at->time_since_epoch().count()) : -1LL);
  const std::string digest =
      digest_of("phone", report.store_id, id_text + ':' + std::to_string(report.rssi) + ':' + observed);
  // One (phone, window) may place its customer in one store: the same id
  // heard in a second store within the window is a clone or a relay.
  const std::string claim_key = "phone\n" + match.device_id + '\n' + std::to_string(match.counter);
  const std::chrono::seconds claim_ttl = settings_.rotation_period * 3;
  return deps_.identify.place_customer(
      match.customer_id, scanner_scope(caller, report.request_id), digest,
      [&](const domain::FloorPlan& plan, domain::PresenceRecord& record,
          domain::Timestamp) -> domain::Result<Placement> {
        auto holder = deps_.claims.claim(claim_key, report.store_id, claim_ttl);
        if (!holder) return std::unexpected(holder.error());
        if (*holder != report.store_id) {
          return fail(ErrorCode::kPermissionDenied,
                      "phone id " + id_text +
                          " was already seen in another store in this rotation window: a cloned or relayed "
                          "advertisement identifies no one");
        }
        return place_in_store(plan, record, report.store_id, domain::Signal::kPhoneBeacon);
      });
}

domain::Result<IdentifyResponse> StoreScannerUseCase::scan_customer_code(const Principal& caller,
                                                                         const CustomerCodeScan& scan) {
  if (auto ok = authorize(caller, scan.request_id, scan.store_id); !ok) return std::unexpected(ok.error());
  auto claim = deps_.codes.verify(scan.code, deps_.clock.now());
  if (!claim) return std::unexpected(claim.error());

  // Single use: the first scanner request to present the nonce owns it; a
  // retry of that very request is not a replay.
  const std::string holder = scan.store_id + '\n' + caller.subject + '\n' + scan.request_id;
  const std::string nonce_key = "code\n" + claim->key_id + '\n' + claim->nonce;
  // Remembered a little past the code's expiry; after that it is refused as expired anyway.
  const std::chrono::seconds nonce_ttl = settings_.code_lifetime + std::chrono::seconds(60);
  return deps_.identify.place_customer(
      claim->customer_id, scanner_scope(caller, scan.request_id), digest_of("code", scan.store_id, scan.code),
      [&](const domain::FloorPlan& plan, domain::PresenceRecord& record,
          domain::Timestamp) -> domain::Result<Placement> {
        auto first = deps_.claims.claim(nonce_key, holder, nonce_ttl);
        if (!first) return std::unexpected(first.error());
        if (*first != holder) {
          return fail(ErrorCode::kAlreadyExists,
                      "this customer code was already used; ask the customer to show a fresh one", "code");
        }
        return place_in_store(plan, record, scan.store_id, domain::Signal::kCustomerCode);
      });
}

}  // namespace tastesync::application
