// customer-idctl phone-id: the Major:Minor a phone with this secret
// advertises now (or at --at), as the app computes it.

#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "auth/key_files.h"
#include "command.h"
#include "infrastructure/crypto/rotating_beacon_id.h"
#include "util/base64url.h"

namespace tastesync::ctl {
namespace {

constexpr std::string_view kName = "phone-id";

// The secret as register-phone prints it (hex) or as the HTTPS/JSON API
// returns it (base64, protobuf's JSON form of bytes).
domain::Result<std::string> decode_phone_secret(const std::string& text) {
  const bool hex =
      !text.empty() && text.size() % 2 == 0 && text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
  if (hex) return auth::decode_hex_secret(text, 16);
  std::string url_safe;
  for (const char c : text) {
    if (c == '=') continue;
    url_safe.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  auto bytes = util::base64url_decode(url_safe);
  if (!bytes) return domain::fail(domain::ErrorCode::kInvalidArgument, "neither hex nor base64");
  if (bytes->size() < 16) return domain::fail(domain::ErrorCode::kInvalidArgument, "shorter than 16 bytes");
  return *bytes;
}

struct PhoneIdOptions {
  std::string secret;
  long long period = 120;
  long long at = -1;  // unix seconds; now when not given
};

int run_phone_id(const PhoneIdOptions& options) {
  auto secret = decode_phone_secret(options.secret);
  if (!secret) return usage_error(kName, "--secret: " + secret.error().message);
  const domain::Timestamp at =
      options.at >= 0 ? domain::Timestamp(std::chrono::seconds(options.at)) : std::chrono::system_clock::now();
  const auto id = infrastructure::rotating_beacon_id(
      *secret, infrastructure::rotation_counter(at, std::chrono::seconds(options.period)));
  if (!id) {
    std::cerr << "customer-idctl phone-id: HMAC-SHA256 failed\n";
    return kExitFailure;
  }
  std::cout << id->major << ":" << id->minor << "\n";
  return kExitOk;
}

Runner declare_phone_id(CLI::App& command) {
  auto options = std::make_shared<PhoneIdOptions>();
  command.footer(
      "Prints MAJOR:MINOR, the rotating iBeacon id a phone with this secret advertises:\n"
      "HMAC-SHA256(secret, floor(unix seconds / period) as 8 bytes big-endian), first 4 bytes.");
  command
      .add_option("--secret", options->secret,
                  "the phone's secret: hex (customer-idctl register-phone --secret-only) or base64 (the \"secret\" "
                  "of POST /v1/me/phones)")
      ->required();
  command.add_option("--period", options->period, "rotation period, seconds (phone_beacon.rotation_period_seconds)")
      ->check(CLI::Range(1LL, 86400LL))
      ->capture_default_str();
  command.add_option("--at", options->at, "the moment, unix seconds (default now)")->check(CLI::NonNegativeNumber);
  return [options] { return run_phone_id(*options); };
}

const CommandRegistration kRegistration{
    Command{kName, "print the rotating Major:Minor a phone secret advertises now", &declare_phone_id}};

}  // namespace
}  // namespace tastesync::ctl
