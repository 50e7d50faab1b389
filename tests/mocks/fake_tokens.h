#pragma once

// A token verifier that knows a fixed table of tokens: each token string
// stands for one principal. No cryptography: what is under test is what the
// callers do with the principal.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "application/ports/principal.h"
#include "application/ports/token_verifier_port.h"

namespace tastesync::testing {

class FakeTokens final : public application::TokenVerifierPort {
 public:
  FakeTokens() = default;
  explicit FakeTokens(std::map<std::string, application::Principal, std::less<>> known) : known_(std::move(known)) {}

  // The tokens "admin" (subject ops), "staff" (waiter of bistro) and "alice"
  // (a customer).
  static FakeTokens admin_staff_and_alice() {
    return FakeTokens({{"admin", {"ops", application::Role::kAdmin, "", {}, {}}},
                       {"staff", {"waiter", application::Role::kStaff, "bistro", {}, {}}},
                       {"alice", {"alice", application::Role::kCustomer, "", {}, {}}}});
  }
  // One token per role, named after it ("customer", "scanner", ...): subject
  // "caller", of store `store`.
  static FakeTokens one_per_role(std::span<const application::Role> roles, const std::string& store) {
    FakeTokens tokens;
    for (const application::Role role : roles) {
      tokens.known_.emplace(application::to_string(role), application::Principal{"caller", role, store, {}, {}});
    }
    return tokens;
  }

  domain::Result<application::Principal> verify(std::string_view token) const override {
    const auto it = known_.find(token);
    if (it == known_.end()) return domain::fail(domain::ErrorCode::kUnauthenticated, "unknown test token");
    return it->second;
  }

 private:
  std::map<std::string, application::Principal, std::less<>> known_;
};

}  // namespace tastesync::testing
