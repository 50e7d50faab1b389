#include "infrastructure/crypto/table_qr_codec.h"

#include <array>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <utility>

#include "infrastructure/crypto/hmac_sha256.h"
#include "util/base64url.h"

namespace tastesync::infrastructure {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::string_view kField = "table_qr";
std::unexpected<domain::Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(message), std::string(kField));
}

}  // namespace

bool HmacTableQrCodec::is_valid_key_id(std::string_view key_id) { return is_valid_hmac_key_id(key_id); }

domain::Result<std::unique_ptr<HmacTableQrCodec>> HmacTableQrCodec::create(HmacKeyRing keys) {
  if (auto usable = check_hmac_key_ring(keys, "table QR"); !usable) return std::unexpected(usable.error());
  try {
    return std::make_unique<HmacTableQrCodec>(std::move(keys));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot create table QR codec: ") + e.what());
  }
}

HmacTableQrCodec::HmacTableQrCodec(HmacKeyRing keys) : keys_(std::move(keys)) {}

domain::Result<std::string> HmacTableQrCodec::sign(const std::string& store_id, const std::string& zone_id) const {
  try {
    if (store_id.empty()) return fail(ErrorCode::kInvalidArgument, "store id must not be empty", "store_id");
    if (zone_id.empty()) return fail(ErrorCode::kInvalidArgument, "zone id must not be empty", "zone_id");
    const std::string& active_key_id = keys_.active_id();
    if (auto valid = check_window(active_key_id); !valid) return std::unexpected(std::move(valid.error()));
    const std::string* key = keys_.active();
    if (key == nullptr || !is_valid_key_id(active_key_id)) {
      return fail(ErrorCode::kFailedPrecondition, "no usable active table QR signing key '" + active_key_id + "'");
    }
    std::string payload;
    payload.append(kPrefix).append(".").append(util::base64url_encode(store_id));
    payload.append(".").append(util::base64url_encode(zone_id));
    payload.append(".").append(active_key_id);
    const auto mac = hmac_sha256(*key, payload);
    if (!mac) return fail(ErrorCode::kInternal, "HMAC-SHA256 failed");
    payload.append(".").append(util::base64url_encode(std::span<const std::uint8_t>(*mac)));
    if (payload.size() > kMaxPayloadBytes) {
      // Verification would refuse it, so refuse to print it.
      return fail(ErrorCode::kInvalidArgument, "store and zone ids are too long for a table QR code", "zone_id");
    }
    return payload;
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory signing table QR");
  }
}

domain::Result<application::TableQrClaim> HmacTableQrCodec::verify(std::string_view payload) const {
  try {
    if (payload.empty()) return invalid("table QR payload is empty");
    if (payload.size() > kMaxPayloadBytes) return invalid("table QR payload is longer than 512 bytes");

    std::array<std::string_view, 5> parts{};
    std::size_t count = 0;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = payload.find('.', start);
      if (count == parts.size()) return invalid("table QR payload must have 5 dot-separated parts");
      parts[count++] = payload.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (count != parts.size()) return invalid("table QR payload must have 5 dot-separated parts");
    const auto [prefix, store_b64, zone_b64, key_id, mac_b64] = parts;
    if (prefix != kPrefix) return invalid("not a TasteSync table QR code (expected prefix TSQR1)");
    if (!is_valid_key_id(key_id)) return invalid("table QR key id is malformed");

    auto store_id = util::base64url_decode(store_b64);
    auto zone_id = util::base64url_decode(zone_b64);
    const auto mac = util::base64url_decode(mac_b64);
    if (!store_id || !zone_id || !mac) return invalid("table QR payload is not valid base64url");

    const std::string* key = keys_.find(key_id);
    if (key == nullptr) return invalid("table QR code is signed with an unknown key");
    const std::string_view signed_part = payload.substr(0, payload.size() - mac_b64.size() - 1);
    const auto expected = hmac_sha256(*key, signed_part);
    if (!expected) return fail(ErrorCode::kInternal, "HMAC-SHA256 failed");
    if (!same_mac(*mac, *expected)) {
      return invalid("table QR signature does not match");
    }
    if (store_id->empty()) return invalid("table QR code has an empty store id");
    if (zone_id->empty()) return invalid("table QR code has an empty zone id");
    if (auto valid = check_window(key_id); !valid) return std::unexpected(std::move(valid.error()));
    return application::TableQrClaim{std::move(*store_id), std::move(*zone_id), std::string(key_id)};
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kInternal, "out of memory verifying table QR");
  }
}

void HmacTableQrCodec::limit_validity(std::map<std::string, TableQrKeyValidity, std::less<>> windows,
                                      const application::ClockPort& clock) {
  windows_ = std::move(windows);
  clock_ = &clock;
}

domain::Result<void> HmacTableQrCodec::check_window(std::string_view key_id) const {
  if (clock_ == nullptr) return {};
  const auto window = windows_.find(key_id);
  if (window == windows_.end()) return {};
  const domain::Timestamp now = clock_->now();
  if (window->second.not_before && now < *window->second.not_before) {
    return fail(ErrorCode::kFailedPrecondition,
                "table QR key '" + std::string(key_id) + "' is not valid yet (table_qr.key_validity)", "table_qr");
  }
  if (window->second.not_after && now > *window->second.not_after) {
    return fail(ErrorCode::kFailedPrecondition,
                "table QR code was signed with key '" + std::string(key_id) +
                    "', which is no longer valid (table_qr.key_validity): the table needs a newly printed code",
                "table_qr");
  }
  return {};
}

}  // namespace tastesync::infrastructure
