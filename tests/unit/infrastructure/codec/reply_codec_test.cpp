// The remembered answer's hand-written JSON: valid JSON whatever the text
// fields hold, the same document the JSON library wrote before (so values
// stored by either version read back alike), and invalid UTF-8 refused.

#include "infrastructure/codec/reply_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

namespace tastesync::infrastructure::codec {
namespace {

application::RememberedReply seated(const std::string& label) {
  application::RememberedReply reply;
  reply.request_fingerprint = "fp-\"quoted\" \\ back\x01\x1f";
  reply.response.customer_id = "guest \xC3\xA9\xE2\x82\xAC\xF0\x9F\x8D\xB7";  // é € 🍷
  reply.response.location = {"demo-bistro", "table-3", domain::ZoneKind::kTable, label};
  reply.response.confidence = 1.0;
  reply.response.location_changed = true;
  reply.response.event_ids = {"ev-1", "ev-2"};
  return reply;
}

TEST(ReplyCodecText, IsTheDocumentTheJsonLibraryWrote) {
  const application::RememberedReply reply = seated("Table \"3\"\n by the window");
  const std::string encoded = encode_reply(reply).value();
  const nlohmann::json expected{{"fmt", 1},
                                {"fp", reply.request_fingerprint},
                                {"resp",
                                 {{"customer", reply.response.customer_id},
                                  {"store", "demo-bistro"},
                                  {"zone", "table-3"},
                                  {"kind", "table"},
                                  {"label", "Table \"3\"\n by the window"},
                                  {"conf", 1.0},
                                  {"changed", true},
                                  {"events", {"ev-1", "ev-2"}}}}};
  EXPECT_EQ(nlohmann::json::parse(encoded), expected);
  // And what the library wrote reads back the same way.
  EXPECT_EQ(decode_reply(expected.dump()).value().response.location.table_label, "Table \"3\"\n by the window");
}

TEST(ReplyCodecText, RoundTripsAwkwardTextAndNumbers) {
  for (const double confidence : {0.0, 1.0, 0.95, 0.8765432109876543, 1e-300}) {
    application::RememberedReply reply = seated("\x7f tab\t");
    reply.response.confidence = confidence;
    auto decoded = decode_reply(encode_reply(reply).value());
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->request_fingerprint, reply.request_fingerprint);
    EXPECT_EQ(decoded->response.customer_id, reply.response.customer_id);
    EXPECT_EQ(decoded->response.location.table_label, reply.response.location.table_label);
    EXPECT_EQ(decoded->response.confidence, confidence);
  }
}

TEST(ReplyCodecText, RefusesTextThatIsNotUtf8) {
  for (const std::string bad : {"\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"}) {
    application::RememberedReply reply = seated("Table 3");
    reply.response.customer_id = "guest" + bad;
    auto encoded = encode_reply(reply);
    ASSERT_FALSE(encoded);
    EXPECT_EQ(encoded.error().code, domain::ErrorCode::kInternal);
  }
}

}  // namespace
}  // namespace tastesync::infrastructure::codec
