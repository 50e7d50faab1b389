#pragma once

// The stored form of a remembered Identify answer (idempotent retries), the
// same in Redis and in the ledger's identify_answers table:
// {"fmt":1,"fp":fingerprint,"resp":{response}} as JSON, read as strictly as
// the Redis presence codec reads presence.

#include <string>
#include <string_view>

#include "application/ports/idempotency_store_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::codec {

domain::Result<std::string> encode_reply(const application::RememberedReply& reply);
domain::Result<application::RememberedReply> decode_reply(std::string_view value);

}  // namespace tastesync::infrastructure::codec
