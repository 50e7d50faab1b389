#pragma once

// The value stored in Redis for a remembered Identify answer (idempotent
// retries): {"fmt":1,"fp":fingerprint,"resp":{response}} as JSON, read as
// strictly as presence_codec.h reads presence.

#include <string>
#include <string_view>

#include "application/ports/idempotency_store_port.h"
#include "domain/error.h"

namespace tastesync::infrastructure::redis {

domain::Result<std::string> encode_reply(const application::RememberedReply& reply);
domain::Result<application::RememberedReply> decode_reply(std::string_view value);

}  // namespace tastesync::infrastructure::redis
