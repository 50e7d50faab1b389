// customer-idctl token: mints a dev JWT signed with a local private key, for
// curl/grpcurl sessions and integration tests.

#include <charconv>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "command.h"

namespace tastesync::ctl {
namespace {

constexpr std::string_view kName = "token";

void print_help() {
  std::cout << R"(Usage: customer-idctl token --customer ID [options]

Prints a signed RS256 JWT for the dev environment.

Options:
  --customer ID      subject (sub) of the token: the customer id, or the scanner/staff/service name
  --role ROLE        customer | scanner | staff | admin | service   (default customer)
  --store STORE      store the principal is bound to (required for scanner and staff)
  --ttl SECONDS      lifetime in seconds (default 3600)
  --key PATH         RSA private key PEM (default internal/config/keys/dev/jwt-dev-1.key)
  --kid ID           key id written in the header (default dev-1)
  --issuer ISS       iss claim (default tastesync-dev)
  --audience AUD     aud claim (default tastesync-customer-id)
  -h, --help         show this help

Generate the dev key first with scripts/keys.sh.
)";
}

std::optional<application::Role> parse_role(std::string_view text) {
  using application::Role;
  for (Role role : {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService}) {
    if (text == application::to_string(role)) return role;
  }
  return std::nullopt;
}

int run_token(int argc, char** argv) {
  auto options = parse_options(argc, argv, {"customer", "role", "store", "ttl", "key", "kid", "issuer", "audience"});
  if (!options) return usage_error(kName, options.error());
  if (options->help) {
    print_help();
    return kExitOk;
  }
  const std::string customer = options->get("customer");
  if (customer.empty()) return usage_error(kName, "--customer is required");
  if (customer.size() > 128) return usage_error(kName, "--customer must be at most 128 characters");

  const auto role = parse_role(options->get("role", "customer"));
  if (!role) return usage_error(kName, "--role must be one of customer, scanner, staff, admin, service");
  const std::string store = options->get("store");
  if ((*role == application::Role::kScanner || *role == application::Role::kStaff) && store.empty()) {
    return usage_error(kName, "--store is required for role " + std::string(application::to_string(*role)));
  }

  const std::string ttl_text = options->get("ttl", "3600");
  long long ttl_seconds = 0;
  const auto [end, ec] = std::from_chars(ttl_text.data(), ttl_text.data() + ttl_text.size(), ttl_seconds);
  if (ec != std::errc() || end != ttl_text.data() + ttl_text.size() || ttl_seconds <= 0 ||
      ttl_seconds > 366LL * 24 * 3600) {
    return usage_error(kName, "--ttl must be a whole number of seconds between 1 and 31622400");
  }

  const std::string key_path = options->get("key", "internal/config/keys/dev/jwt-dev-1.key");
  auto key = auth::read_key_file(key_path);
  if (!key) {
    std::cerr << "customer-idctl token: " << key.error().message << "\n";
    return kExitFailure;
  }
  auto token = auth::mint_token(*key, options->get("kid", "dev-1"), options->get("issuer", "tastesync-dev"),
                                options->get("audience", "tastesync-customer-id"), customer, *role, store,
                                std::chrono::seconds(ttl_seconds), std::chrono::system_clock::now());
  if (!token) {
    std::cerr << "customer-idctl token: " << token.error().message << " (is " << key_path << " an RSA private key?)\n";
    return kExitFailure;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

const CommandRegistration kRegistration{Command{kName, "print a signed dev JWT", &run_token}};

}  // namespace
}  // namespace tastesync::ctl
