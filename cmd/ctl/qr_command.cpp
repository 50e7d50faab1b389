// customer-idctl qr: prints the signed payload to encode in a table's QR code.

#include <iostream>
#include <memory>
#include <string>

#include "auth/key_files.h"
#include "command.h"
#include "infrastructure/crypto/table_qr_codec.h"

namespace tastesync::ctl {
namespace {

constexpr std::string_view kName = "qr";

struct QrOptions {
  std::string store;
  std::string zone;
  std::string secret = "internal/config/keys/dev/qr-dev-1.secret";
  std::string kid = "qr-dev-1";
};

int run_qr(const QrOptions& options) {
  if (!infrastructure::HmacTableQrCodec::is_valid_key_id(options.kid)) {
    return usage_error(kName, "--kid must be 1..64 of [A-Za-z0-9_-]");
  }
  auto secret = auth::read_hex_secret_file(options.secret, infrastructure::HmacTableQrCodec::kMinSecretBytes);
  if (!secret) {
    std::cerr << "customer-idctl qr: " << secret.error().message << "\n";
    return kExitFailure;
  }
  auto codec = infrastructure::HmacTableQrCodec::create(
      infrastructure::HmacKeyRing({{options.kid, std::move(*secret)}}, options.kid));
  if (!codec) {
    std::cerr << "customer-idctl qr: " << codec.error().message << "\n";
    return kExitFailure;
  }
  auto payload = (*codec)->sign(options.store, options.zone);
  if (!payload) {
    std::cerr << "customer-idctl qr: " << payload.error().message << "\n";
    return payload.error().code == domain::ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  std::cout << *payload << "\n";
  return kExitOk;
}

Runner declare_qr(CLI::App& command) {
  auto options = std::make_shared<QrOptions>();
  command.footer("Generate the dev secret first with scripts/keys.sh.");
  command.add_option("--store", options->store, "store id")->required();
  command.add_option("--zone", options->zone, "zone id of the table")->required();
  command.add_option("--secret", options->secret, "hex HMAC key file")->capture_default_str();
  command.add_option("--kid", options->kid, "key id of that secret")->capture_default_str();
  return [options] { return run_qr(*options); };
}

const CommandRegistration kRegistration{
    Command{kName, "print a signed table QR payload (TSQR1....) for a store's table", &declare_qr}};

}  // namespace
}  // namespace tastesync::ctl
