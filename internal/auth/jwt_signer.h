#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "application/ports/principal.h"
#include "domain/entities/sighting.h"
#include "domain/error.h"

namespace tastesync::auth {

// Mints an RS256 JWT the way the production identity provider does, for dev
// tooling (customer-idctl token) and tests. The service itself never signs
// tokens. Claims: iss, aud, sub, role, iat, exp (= now + ttl), and store_id
// when non-empty. Header: alg RS256, typ JWT, kid.
domain::Result<std::string> mint_token(std::string_view private_key_pem, std::string_view kid, std::string_view issuer,
                                       std::string_view audience, std::string_view subject, application::Role role,
                                       std::string_view store_id, std::chrono::seconds ttl, domain::Timestamp now);

// Lower level: signs an arbitrary JSON claims object with RS256 under `kid`,
// so tests can build tokens with odd claims (missing sub, nbf, bad role).
// `claims_json` must be a JSON object.
domain::Result<std::string> sign_rs256(std::string_view private_key_pem, std::string_view kid,
                                       std::string_view claims_json);

}  // namespace tastesync::auth
