// customer-idctl phone-id: the Major:Minor a phone with this secret
// advertises now (or at --at), as the app computes it.

#include <charconv>
#include <chrono>
#include <iostream>
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

bool parse_long(const std::string& text, long long& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

int run_phone_id(int argc, char** argv) {
  auto options = parse_options(argc, argv, {"secret", "period", "at"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    std::cout << R"(Usage: customer-idctl phone-id --secret HEX|BASE64 [--period SECONDS] [--at UNIX_SECONDS]

Prints MAJOR:MINOR, the rotating iBeacon id a phone with this secret advertises:
HMAC-SHA256(secret, floor(unix seconds / period) as 8 bytes big-endian), first 4 bytes.

Options:
  --secret SECRET    the phone's secret: hex (customer-idctl register-phone --secret-only true)
                     or base64 (the "secret" of POST /v1/me/phones)
  --period SECONDS   rotation period (default 120, phone_beacon.rotation_period_seconds)
  --at UNIX_SECONDS  the moment (default now)
  -h, --help         show this help
)";
    return kExitOk;
  }
  if (!options->has("secret")) return usage_error(kName, "--secret is required");
  auto secret = decode_phone_secret(options->get("secret"));
  if (!secret) return usage_error(kName, "--secret: " + secret.error().message);
  long long period = 120;
  if (options->has("period") && (!parse_long(options->get("period"), period) || period <= 0 || period > 86400)) {
    return usage_error(kName, "--period must be 1..86400 seconds");
  }
  domain::Timestamp at = std::chrono::system_clock::now();
  if (options->has("at")) {
    long long seconds = 0;
    if (!parse_long(options->get("at"), seconds) || seconds < 0) return usage_error(kName, "--at must be unix seconds");
    at = domain::Timestamp(std::chrono::seconds(seconds));
  }
  const auto id =
      infrastructure::rotating_beacon_id(*secret, infrastructure::rotation_counter(at, std::chrono::seconds(period)));
  if (!id) {
    std::cerr << "customer-idctl phone-id: HMAC-SHA256 failed\n";
    return kExitFailure;
  }
  std::cout << id->major << ":" << id->minor << "\n";
  return kExitOk;
}

const CommandRegistration kRegistration{
    Command{kName, "print the rotating Major:Minor a phone secret advertises now", &run_phone_id}};

}  // namespace
}  // namespace tastesync::ctl
