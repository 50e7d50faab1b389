#include "auth/jwt_signer.h"

#include <jwt/jwt.hpp>

#include <exception>
#include <system_error>

namespace tastesync::auth {
namespace {

using domain::ErrorCode;
using domain::fail;

domain::Result<std::string> sign_object(jwt::jwt_object& object) {
  std::error_code ec;
  std::string token = object.signature(ec);
  if (ec) return fail(ErrorCode::kInvalidArgument, "cannot sign token: " + ec.message());
  return token;
}

}  // namespace

domain::Result<std::string> sign_rs256(std::string_view private_key_pem, std::string_view kid,
                                       std::string_view claims_json) {
  try {
    const json_t claims = json_t::parse(claims_json.begin(), claims_json.end());
    if (!claims.is_object()) return fail(ErrorCode::kInvalidArgument, "claims must be a JSON object");
    jwt::jwt_object object{jwt::params::algorithm("RS256"),
                           jwt::params::secret(jwt::string_view(private_key_pem.data(), private_key_pem.size())),
                           jwt::params::headers({{"kid", jwt::string_view(kid.data(), kid.size())}})};
    for (auto it = claims.begin(); it != claims.end(); ++it) {
      object.payload().add_claim(it.key(), it.value(), /*overwrite=*/true);
    }
    return sign_object(object);
  } catch (const std::exception& e) {
    // cpp-jwt throws for an unreadable private key; nlohmann for bad JSON.
    return fail(ErrorCode::kInvalidArgument, std::string("cannot sign token: ") + e.what());
  } catch (...) {
    return fail(ErrorCode::kInternal, "cannot sign token: unknown error");
  }
}

domain::Result<std::string> mint_token(std::string_view private_key_pem, std::string_view kid, std::string_view issuer,
                                       std::string_view audience, std::string_view subject, application::Role role,
                                       std::string_view store_id, std::chrono::seconds ttl, domain::Timestamp now) {
  if (subject.empty()) return fail(ErrorCode::kInvalidArgument, "subject must not be empty", "subject");
  if (ttl.count() <= 0) return fail(ErrorCode::kInvalidArgument, "ttl must be positive", "ttl");
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  json_t claims = json_t::object();
  claims["iss"] = std::string(issuer);
  claims["aud"] = std::string(audience);
  claims["sub"] = std::string(subject);
  claims["role"] = application::to_string(role);
  claims["iat"] = iat;
  claims["exp"] = iat + ttl.count();
  if (!store_id.empty()) claims["store_id"] = std::string(store_id);
  return sign_rs256(private_key_pem, kid, claims.dump());
}

}  // namespace tastesync::auth
