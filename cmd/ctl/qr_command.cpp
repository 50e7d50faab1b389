// customer-idctl qr: prints the signed payload to encode in a table's QR code.

#include <iostream>
#include <string>

#include "auth/key_files.h"
#include "command.h"
#include "infrastructure/crypto/table_qr_codec.h"

namespace tastesync::ctl {
namespace {

constexpr std::string_view kName = "qr";

void print_help() {
  std::cout << R"(Usage: customer-idctl qr --store STORE --zone ZONE [options]

Prints a signed table QR payload (TSQR1....) for the given store and zone.

Options:
  --store STORE      store id
  --zone ZONE        zone id of the table
  --secret PATH      hex HMAC key file (default internal/config/keys/dev/qr-dev-1.secret)
  --kid ID           key id of that secret (default qr-dev-1)
  -h, --help         show this help

Generate the dev secret first with scripts/keys.sh.
)";
}

int run_qr(int argc, char** argv) {
  auto options = parse_options(argc, argv, {"store", "zone", "secret", "kid"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  const std::string store = options->get("store");
  const std::string zone = options->get("zone");
  if (store.empty()) return usage_error(kName, "--store is required");
  if (zone.empty()) return usage_error(kName, "--zone is required");
  const std::string kid = options->get("kid", "qr-dev-1");
  if (!infrastructure::HmacTableQrCodec::is_valid_key_id(kid)) {
    return usage_error(kName, "--kid must be 1..64 of [A-Za-z0-9_-]");
  }

  auto secret = auth::read_hex_secret_file(options->get("secret", "internal/config/keys/dev/qr-dev-1.secret"),
                                           infrastructure::HmacTableQrCodec::kMinSecretBytes);
  if (!secret) {
    std::cerr << "customer-idctl qr: " << secret.error().message << "\n";
    return kExitFailure;
  }
  auto codec = infrastructure::HmacTableQrCodec::create({{kid, std::move(*secret)}}, kid);
  if (!codec) {
    std::cerr << "customer-idctl qr: " << codec.error().message << "\n";
    return kExitFailure;
  }
  auto payload = (*codec)->sign(store, zone);
  if (!payload) {
    std::cerr << "customer-idctl qr: " << payload.error().message << "\n";
    return payload.error().code == domain::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << *payload << "\n";
  return kExitOk;
}

const CommandRegistration kRegistration{Command{kName, "print a signed table QR payload", &run_qr}};

}  // namespace
}  // namespace tastesync::ctl
