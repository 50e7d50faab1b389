#include "infrastructure/codec/reply_codec.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "infrastructure/codec/json_fields.h"

namespace tastesync::infrastructure::codec {
namespace {

using domain::ErrorCode;
using domain::fail;
using nlohmann::json;
namespace f = json_fields;

constexpr int kFormat = 1;

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not one
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned min = 0;
  unsigned code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, min = 0x80, code = lead & 0x1FU;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, min = 0x800, code = lead & 0x0FU;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, min = 0x10000, code = lead & 0x07U;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0U) != 0x80U) return 0;
    code = (code << 6U) | (byte(i + k) & 0x3FU);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// `text` as a JSON string (quotes, escapes); false if it is not valid UTF-8
// (as the JSON library refuses it).
bool append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_sequence(text, i);
      if (length == 0) return false;
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4U];
      out += kHex[c & 0x0FU];
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
  return true;
}

}  // namespace

domain::Result<std::string> encode_reply(const application::RememberedReply& reply) {
  // Written directly rather than through a JSON document: it is on the path
  // of every Identify (the commit script carries it), and building the
  // document cost more than the rest of the commit's arguments together.
  // decode_reply reads it with the JSON parser, as it reads what earlier
  // versions wrote.
  const application::IdentifyResponse& r = reply.response;
  if (!std::isfinite(r.confidence))
    return fail(ErrorCode::kInternal, "cannot encode remembered reply: confidence is not finite");
  std::string out;
  out.reserve(160 + reply.request_fingerprint.size() + r.customer_id.size() + 40 * r.event_ids.size());
  out += R"({"fmt":1,"fp":)";
  bool valid = append_json_string(out, reply.request_fingerprint);
  out += R"(,"resp":{"customer":)";
  valid = append_json_string(out, r.customer_id) && valid;
  out += R"(,"store":)";
  valid = append_json_string(out, r.location.store_id) && valid;
  out += R"(,"zone":)";
  valid = append_json_string(out, r.location.zone_id) && valid;
  out += r.location.zone_kind == domain::ZoneKind::kTable ? R"(,"kind":"table")" : R"(,"kind":"entrance")";
  out += R"(,"label":)";
  valid = append_json_string(out, r.location.table_label) && valid;
  out += R"(,"conf":)";
  char number[32];
  const auto written = std::to_chars(number, number + sizeof number, r.confidence);
  out.append(number, written.ptr);
  out += r.location_changed ? R"(,"changed":true,"events":[)" : R"(,"changed":false,"events":[)";
  for (std::size_t i = 0; i < r.event_ids.size(); ++i) {
    if (i > 0) out += ',';
    valid = append_json_string(out, r.event_ids[i]) && valid;
  }
  out += "]}}";
  if (!valid) return fail(ErrorCode::kInternal, "cannot encode remembered reply: a text field is not valid UTF-8");
  return out;
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
