#include "infrastructure/codec/reply_codec.h"

#include <limits>
#include <utility>

#include "infrastructure/codec/json_fields.h"

namespace tastesync::infrastructure::codec {
namespace {

using domain::ErrorCode;
using domain::fail;
using nlohmann::json;
namespace f = json_fields;

constexpr int kFormat = 1;

}  // namespace

domain::Result<std::string> encode_reply(const application::RememberedReply& reply) {
  try {
    const application::IdentifyResponse& r = reply.response;
    json value{{"fmt", kFormat},
               {"fp", reply.request_fingerprint},
               {"resp",
                {{"customer", r.customer_id},
                 {"store", r.location.store_id},
                 {"zone", r.location.zone_id},
                 {"kind", r.location.zone_kind == domain::ZoneKind::kTable ? "table" : "entrance"},
                 {"label", r.location.table_label},
                 {"conf", f::checked_real(r.confidence, "confidence")},
                 {"changed", r.location_changed},
                 {"events", r.event_ids}}}};
    return value.dump();
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("cannot encode remembered reply: ") + e.what());
  }
}

domain::Result<application::RememberedReply> decode_reply(std::string_view value) {
  try {
    const json parsed = json::parse(value);
    if (f::integer(parsed, "fmt", 0, std::numeric_limits<int>::max()) != kFormat) {
      throw f::CorruptValue("unknown format " + f::field(parsed, "fmt").dump());
    }
    application::RememberedReply reply;
    reply.request_fingerprint = f::text(parsed, "fp");
    const json& o = f::field(parsed, "resp");
    application::IdentifyResponse& r = reply.response;
    r.customer_id = f::text(o, "customer");
    r.location.store_id = f::text(o, "store");
    r.location.zone_id = f::text(o, "zone");
    const std::string kind = f::text(o, "kind");
    if (kind != "table" && kind != "entrance") throw f::CorruptValue("unknown zone kind '" + kind + "'");
    r.location.zone_kind = kind == "table" ? domain::ZoneKind::kTable : domain::ZoneKind::kEntrance;
    r.location.table_label = f::text(o, "label");
    r.confidence = f::real(o, "conf");
    r.location_changed = f::boolean(o, "changed");
    const json& events = f::field(o, "events");
    if (!events.is_array()) throw f::CorruptValue("'events' is not an array");
    for (const json& id : events) {
      if (!id.is_string()) throw f::CorruptValue("an event id is not a string");
      r.event_ids.push_back(id.get<std::string>());
    }
    return reply;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("corrupt remembered reply: ") + e.what());
  }
}

}  // namespace tastesync::infrastructure::codec
