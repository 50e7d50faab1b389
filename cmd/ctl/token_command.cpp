// customer-idctl token: mints a dev JWT signed with a local private key, for
// curl/grpcurl sessions and integration tests.

#include <chrono>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "command.h"

namespace tastesync::ctl {
namespace {

constexpr std::string_view kName = "token";

struct TokenOptions {
  std::string customer;
  std::string role = "customer";
  std::string store;
  long long ttl_seconds = 3600;
  std::string key = "internal/config/keys/dev/jwt-dev-1.key";
  std::string kid = "dev-1";
  std::string issuer = "tastesync-dev";
  std::string audience = "tastesync-customer-id";
};

constexpr std::initializer_list<application::Role> kRoles = {application::Role::kCustomer, application::Role::kScanner,
                                                             application::Role::kStaff, application::Role::kAdmin,
                                                             application::Role::kService};

std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (const application::Role role : kRoles) names.emplace_back(application::to_string(role));
  return names;
}

// Checked by CLI11 against role_names() already.
application::Role role_named(const std::string& name) {
  for (const application::Role role : kRoles) {
    if (name == application::to_string(role)) return role;
  }
  return application::Role::kCustomer;
}

int run_token(const TokenOptions& options) {
  const application::Role role = role_named(options.role);
  if ((role == application::Role::kScanner || role == application::Role::kStaff) && options.store.empty()) {
    return usage_error(kName, "--store is required for role " + options.role);
  }
  auto key = auth::read_key_file(options.key);
  if (!key) {
    std::cerr << "customer-idctl token: " << key.error().message << "\n";
    return kExitFailure;
  }
  auto token =
      auth::mint_token(*key, options.kid, options.issuer, options.audience, options.customer, role, options.store,
                       std::chrono::seconds(options.ttl_seconds), std::chrono::system_clock::now());
  if (!token) {
    std::cerr << "customer-idctl token: " << token.error().message << " (is " << options.key
              << " an RSA private key?)\n";
    return kExitFailure;
  }
  std::cout << *token << "\n";
  return kExitOk;
}

Runner declare_token(CLI::App& command) {
  auto options = std::make_shared<TokenOptions>();
  command.footer("Generate the dev key first with scripts/keys.sh.");
  command
      .add_option("--customer", options->customer,
                  "subject (sub) of the token: the customer id, or the scanner/staff/service name")
      ->required()
      ->check(CLI::Validator(
          [](const std::string& id) { return id.size() <= 128 ? std::string() : "at most 128 characters"; }, "",
          "length"));
  command.add_option("--role", options->role, "customer | scanner | staff | admin | service")
      ->check(CLI::IsMember(role_names()))
      ->capture_default_str();
  command.add_option("--store", options->store, "store the principal is bound to (required for scanner and staff)");
  command.add_option("--ttl", options->ttl_seconds, "lifetime in seconds")
      ->check(CLI::Range(1LL, 366LL * 24 * 3600))
      ->capture_default_str();
  command.add_option("--key", options->key, "RSA private key PEM")->capture_default_str();
  command.add_option("--kid", options->kid, "key id written in the header")->capture_default_str();
  command.add_option("--issuer", options->issuer, "iss claim")->capture_default_str();
  command.add_option("--audience", options->audience, "aud claim")->capture_default_str();
  return [options] { return run_token(*options); };
}

const CommandRegistration kRegistration{Command{kName, "print a signed dev JWT", &declare_token}};

}  // namespace
}  // namespace tastesync::ctl
