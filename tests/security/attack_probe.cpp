// The attacks of tests/security_test.sh, against a live server: a table of
// named attacks, each one call (or a few) with the gRPC status it must get.
// Prints one line per attack, "attack <name>: got <STATUS> expected <STATUS>
// ok|MISMATCH", and exits 1 on any mismatch. Add an attack by adding a row.
//
//   attack_probe --port PORT --keys DIR --phase setup
//       creates what the attacks need (two located stores, a customer seated
//       by QR); run once, before the database checksum is taken
//   attack_probe --port PORT --keys DIR --phase attacks --old-qr-secret FILE
//       the attacks; none of them may change the database
//   attack_probe --port PORT --keys DIR --phase health
//       the server's gRPC health, as one line
//
// The server must accept the dev keys of DIR (scripts/keys.sh) and list the
// QR key "qr-old" (secret FILE) with a validity window that has ended.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "admin.grpc.pb.h"
#include "auth/jwt_signer.h"
#include "auth/key_files.h"
#include "customer_id.grpc.pb.h"
#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/grpc/grpc_released.h"
#include "infrastructure/grpc/status_names.h"
#include "store_scanner.grpc.pb.h"
#include "util/base64url.h"

namespace {

using namespace tastesync;
namespace v1 = ::tastesync::customer_id::v1;
using application::Role;
using grpc::StatusCode;
using infrastructure::grpc_adapter::status_code_name;

constexpr const char* kIssuer = "tastesync-dev";
constexpr const char* kAudience = "tastesync-customer-id";
constexpr const char* kDemoStore = "demo-bistro";
constexpr const char* kDemoUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
// Set up by --phase setup: Paris and Lyon, ~390 km apart, one table each.
constexpr const char* kParisStore = "sec-paris";
constexpr const char* kLyonStore = "sec-lyon";
constexpr const char* kSeatedCustomer = "sec-alice";
constexpr const char* kSeatedRequestId = "sec-setup-1";
constexpr const char* kSqlMeta = "x'; DROP TABLE stores; -- \" OR 1=1 /*";
const std::string kBadUtf8 = "caf\xC3\x28\xFF\xFE";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Everything an attack needs: channel, keys, and ways to call.
class Probe {
 public:
  Probe(int port, std::filesystem::path keys, std::string old_qr_secret_file)
      : keys_(std::move(keys)), old_qr_secret_file_(std::move(old_qr_secret_file)) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = read_text(keys_ / "ca.crt");
    grpc::ChannelArguments args;
    // The client must be able to send what the server is to refuse.
    args.SetMaxSendMessageSize(16 * 1024 * 1024);
    channel_ = grpc::CreateCustomChannel("localhost:" + std::to_string(port), grpc::SslCredentials(ssl), args);
    identify_ = v1::CustomerIdentification::NewStub(channel_);
    admin_ = v1::Admin::NewStub(channel_);
    scanner_ = v1::StoreScanner::NewStub(channel_);
    credentials_ = v1::CustomerCredentials::NewStub(channel_);
    private_key_ = read_text(keys_ / "jwt-dev-1.key");
    public_key_ = read_text(keys_ / "jwt-dev-1.pub");
  }

  // ---- tokens ------------------------------------------------------------------
  std::string token(const std::string& subject, Role role = Role::kCustomer, const std::string& store = "") const {
    return auth::mint_token(private_key_, "dev-1", kIssuer, kAudience, subject, role, store, std::chrono::minutes(10),
                            std::chrono::system_clock::now())
        .value_or("");
  }
  std::string claims(const std::string& subject, const std::string& iss = kIssuer, const std::string& aud = kAudience,
                     long long exp_in = 600) const {
    return R"({"iss":")" + iss + R"(","aud":")" + aud + R"(","sub":")" + subject + R"(","role":"customer","iat":)" +
           std::to_string(now_seconds() - 60) + R"(,"exp":)" + std::to_string(now_seconds() + exp_in) + "}";
  }
  std::string signed_claims(const std::string& claims_json, const std::string& kid = "dev-1") const {
    return auth::sign_rs256(private_key_, kid, claims_json).value_or("");
  }
  // HS256 keyed with our public key: the algorithm-confusion attack.
  std::string hs256_with_public_key(const std::string& subject) const {
    const std::string input = util::base64url_encode(std::string(R"({"alg":"HS256","typ":"JWT","kid":"dev-1"})")) +
                              "." + util::base64url_encode(claims(subject));
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), public_key_.data(), static_cast<int>(public_key_.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
    return input + "." + util::base64url_encode(std::span<const std::uint8_t>(mac, length));
  }
  std::string alg_none(const std::string& subject) const {
    return util::base64url_encode(std::string(R"({"alg":"none","typ":"JWT","kid":"dev-1"})")) + "." +
           util::base64url_encode(claims(subject)) + ".";
  }

  // ---- table QR codes ----------------------------------------------------------------
  std::string qr(const std::string& store, const std::string& zone, const std::string& key_id = "qr-dev-1") const {
    const auto file = key_id == "qr-dev-1" ? (keys_ / "qr-dev-1.secret").string() : old_qr_secret_file_;
    auto secret = auth::read_hex_secret_file(file, 32);
    if (!secret) return "no-secret";
    infrastructure::HmacTableQrCodec codec(infrastructure::HmacKeyRing({{key_id, *secret}}, key_id));
    return codec.sign(store, zone).value_or("cannot-sign");
  }

  // ---- calls ------------------------------------------------------------------------------
  std::unique_ptr<grpc::ClientContext> context(const std::string& bearer) const {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!bearer.empty()) context->AddMetadata("authorization", "Bearer " + bearer);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    return context;
  }
  grpc::Status identify(const std::string& bearer, const v1::IdentifyRequest& request) const {
    v1::IdentifyResponse response;
    return identify_->Identify(context(bearer).get(), request, &response);
  }
  template <typename Request, typename Response>
  grpc::Status admin(grpc::Status (v1::Admin::Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                     const std::string& bearer, const Request& request) const {
    Response response;
    return (admin_.get()->*rpc)(context(bearer).get(), request, &response);
  }
  // An entrance code the customer's app would show, issued by the service.
  std::string entrance_code(const std::string& customer) const {
    v1::IssueEntranceCodeResponse response;
    const grpc::Status status =
        credentials_->IssueEntranceCode(context(token(customer)).get(), v1::IssueEntranceCodeRequest{}, &response);
    return status.ok() ? response.code() : "no-code: " + status.error_message();
  }
  grpc::Status scan_code(const std::string& bearer, const std::string& store, const std::string& code) const {
    v1::ScanCustomerCodeRequest request;
    request.set_request_id("sec-scan-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    request.set_store_id(store);
    request.set_code(code);
    v1::IdentifyResponse response;
    return scanner_->ScanCustomerCode(context(bearer).get(), request, &response);
  }
  // Raw bytes as the request of `method`: for bodies no generated class
  // writes. The response's bytes go to `response_bytes` when given.
  grpc::Status raw(const std::string& method, const std::string& bearer, const std::string& bytes,
                   std::string* response_bytes = nullptr) const {
    grpc::GenericStub stub(channel_);
    auto ctx = context(bearer);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(ctx.get(), method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (response_bytes != nullptr && status.ok()) {
      std::vector<grpc::Slice> slices;
      (void)response.Dump(&slices);
      for (const auto& part : slices) {
        response_bytes->append(reinterpret_cast<const char*>(part.begin()), part.size());
      }
    }
    return status;
  }

 private:
  std::filesystem::path keys_;
  std::string old_qr_secret_file_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CustomerIdentification::Stub> identify_;
  std::unique_ptr<v1::Admin::Stub> admin_;
  std::unique_ptr<v1::StoreScanner::Stub> scanner_;
  std::unique_ptr<v1::CustomerCredentials::Stub> credentials_;
  std::string private_key_;
  std::string public_key_;
};

// ---- request builders ---------------------------------------------------------------------

v1::IdentifyRequest beacons(const std::string& request_id, unsigned minor = 3, const std::string& uuid = kDemoUuid,
                            int sightings = 1, long long observed_offset_s = 0) {
  v1::IdentifyRequest request;
  request.set_request_id(request_id);
  for (int i = 0; i < sightings; ++i) {
    auto* sighting = request.mutable_beacons()->add_sightings();
    sighting->set_uuid(uuid);
    sighting->set_major(100);
    sighting->set_minor(minor);
    sighting->set_rssi(-50);
    if (observed_offset_s != 0) sighting->mutable_observed_at()->set_seconds(now_seconds() + observed_offset_s);
  }
  return request;
}

v1::IdentifyRequest table_qr(const std::string& request_id, const std::string& payload) {
  v1::IdentifyRequest request;
  request.set_request_id(request_id);
  request.set_table_qr(payload);
  return request;
}

std::string unique_id(const std::string& prefix) {
  static int counter = 0;
  return prefix + "-" + std::to_string(now_seconds()) + "-" + std::to_string(++counter);
}

// Protobuf wire format by hand: a length-delimited field.
std::string bytes_field(int number, const std::string& value) {
  std::string out(1, static_cast<char>((number << 3) | 2));
  std::size_t length = value.size();
  do {
    const auto byte = static_cast<unsigned char>((length & 0x7F) | (length > 0x7F ? 0x80 : 0));
    out.push_back(static_cast<char>(byte));
    length >>= 7;
  } while (length != 0);
  return out + value;
}

// What gRPC 1.51's callback server answers when it cannot parse a request
// body: the handler is never called.
constexpr StatusCode kUnparseableBody = StatusCode::UNIMPLEMENTED;

constexpr const char* kIdentifyMethod = "/tastesync.customer_id.v1.CustomerIdentification/Identify";

struct Attack {
  std::string name;
  StatusCode expected;
  std::function<grpc::Status(const Probe&)> run;
};

std::vector<Attack> attacks() {
  std::vector<Attack> table = {
      // ---- tokens ----
      {"no_token", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) { return p.identify("", beacons(unique_id("no-token"))); }},
      {"expired_token", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         return p.identify(p.signed_claims(p.claims("mallory", kIssuer, kAudience, -3600)), beacons(unique_id("exp")));
       }},
      {"tampered_signature", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         std::string token = p.token("mallory");
         token[token.size() - 5] = token[token.size() - 5] == 'A' ? 'B' : 'A';
         return p.identify(token, beacons(unique_id("tampered")));
       }},
      {"tampered_payload_other_subject", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         const std::string token = p.token("mallory");
         const auto dot1 = token.find('.');
         const auto dot2 = token.rfind('.');
         const std::string forged =
             token.substr(0, dot1 + 1) + util::base64url_encode(p.claims(kSeatedCustomer)) + token.substr(dot2);
         return p.identify(forged, beacons(unique_id("forged-sub")));
       }},
      {"alg_none", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) { return p.identify(p.alg_none("mallory"), beacons(unique_id("none"))); }},
      {"hs256_signed_with_public_key", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) { return p.identify(p.hs256_with_public_key("mallory"), beacons(unique_id("hs256"))); }},
      {"unknown_kid", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         return p.identify(p.signed_claims(p.claims("mallory"), "rogue-kid"), beacons(unique_id("kid")));
       }},
      {"wrong_audience", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         return p.identify(p.signed_claims(p.claims("mallory", kIssuer, "another-service")), beacons(unique_id("aud")));
       }},
      {"wrong_issuer", StatusCode::UNAUTHENTICATED,
       [](const Probe& p) {
         return p.identify(p.signed_claims(p.claims("mallory", "evil-idp")), beacons(unique_id("iss")));
       }},
      // ---- roles ----
      {"customer_reads_another_customers_visits", StatusCode::PERMISSION_DENIED,
       [](const Probe& p) {
         v1::ListCustomerVisitsRequest request;
         request.set_customer_id(kSeatedCustomer);
         request.set_limit(10);
         return p.admin(&v1::Admin::Stub::ListCustomerVisits, p.token("mallory"), request);
       }},
      {"customer_calls_admin_registry", StatusCode::PERMISSION_DENIED,
       [](const Probe& p) {
         v1::CreateStoreRequest request;
         request.set_store_id("sec-rogue-store");
         request.set_name("Rogue");
         return p.admin(&v1::Admin::Stub::CreateStore, p.token("mallory"), request);
       }},
      {"scanner_identifies_as_a_customer", StatusCode::PERMISSION_DENIED,
       [](const Probe& p) {
         return p.identify(p.token("scanner-a", Role::kScanner, kParisStore), beacons(unique_id("scanner")));
       }},
      {"scanner_of_store_A_reports_for_store_B", StatusCode::PERMISSION_DENIED,
       [](const Probe& p) {
         return p.scan_code(p.token("door-paris", Role::kScanner, kParisStore), kDemoStore,
                            p.entrance_code(kSeatedCustomer));
       }},
      {"staff_of_store_A_reads_store_B", StatusCode::PERMISSION_DENIED,
       [](const Probe& p) {
         v1::GetStorePresenceRequest request;
         request.set_store_id(kDemoStore);
         return p.admin(&v1::Admin::Stub::GetStorePresence, p.token("waiter", Role::kStaff, kParisStore), request);
       }},
      // ---- sizes and bytes ----
      {"oversized_message", StatusCode::RESOURCE_EXHAUSTED,
       [](const Probe& p) { return p.identify(p.token("sec-big"), beacons(std::string(200 * 1024, 'r'))); }},
      {"huge_repeated_field", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) { return p.identify(p.token("sec-many"), beacons(unique_id("many"), 3, kDemoUuid, 1000)); }},
      {"malformed_protobuf_bytes", kUnparseableBody,
       [](const Probe& p) { return p.raw(kIdentifyMethod, p.token("sec-garbage"), "\x0a\xff\xff\xff\xff\x0f\x12"); }},
      {"truncated_protobuf_bytes", kUnparseableBody,
       [](const Probe& p) {
         return p.raw(kIdentifyMethod, p.token("sec-garbage"), bytes_field(1, "abc").substr(0, 3));
       }},
      // ---- timestamps and replays ----
      {"stale_sighting", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) {
         return p.identify(p.token("sec-stale"), beacons(unique_id("stale"), 3, kDemoUuid, 1, -3600));
       }},
      {"future_sighting", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) {
         return p.identify(p.token("sec-future"), beacons(unique_id("future"), 3, kDemoUuid, 1, 3600));
       }},
      // An entrance code is single use. The customer is already in Paris, so
      // the first (genuine) scan changes nothing durable; the replay is refused.
      {"replayed_entrance_code", StatusCode::ALREADY_EXISTS,
       [](const Probe& p) {
         const std::string scanner = p.token("door-paris", Role::kScanner, kParisStore);
         const std::string code = p.entrance_code(kSeatedCustomer);
         const grpc::Status first = p.scan_code(scanner, kParisStore, code);
         return first.ok() ? p.scan_code(scanner, kParisStore, code) : first;
       }},
      {"replayed_request_id_same_body", StatusCode::OK,
       [](const Probe& p) {
         return p.identify(p.token(kSeatedCustomer), table_qr(kSeatedRequestId, p.qr(kParisStore, "table-1")));
       }},
      {"replayed_request_id_other_body", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) {
         return p.identify(p.token(kSeatedCustomer), table_qr(kSeatedRequestId, p.qr(kDemoStore, "table-2")));
       }},
      {"replayed_qr_of_expired_key", StatusCode::FAILED_PRECONDITION,
       [](const Probe& p) {
         return p.identify(p.token("sec-old-qr"), table_qr(unique_id("old-qr"), p.qr(kDemoStore, "table-2", "qr-old")));
       }},
      {"forged_qr_signature", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) {
         std::string payload = p.qr(kDemoStore, "table-2");
         payload[payload.size() - 3] = payload[payload.size() - 3] == 'A' ? 'B' : 'A';
         return p.identify(p.token("sec-forger"), table_qr(unique_id("forged-qr"), payload));
       }},
      {"qr_repointed_to_another_store", StatusCode::INVALID_ARGUMENT,
       [](const Probe& p) {
         std::string payload = p.qr(kDemoStore, "table-2");
         const std::string from = util::base64url_encode(std::string(kDemoStore));
         payload.replace(payload.find(from), from.size(), util::base64url_encode(std::string(kLyonStore)));
         return p.identify(p.token("sec-forger"), table_qr(unique_id("repointed"), payload));
       }},
      {"implausible_jump_between_stores", StatusCode::FAILED_PRECONDITION,
       [](const Probe& p) {
         return p.identify(p.token(kSeatedCustomer), table_qr(unique_id("jump"), p.qr(kLyonStore, "table-1")));
       }},
      {"customer_flood_rate_limit", StatusCode::RESOURCE_EXHAUSTED,
       [](const Probe& p) {
         // Unregistered beacons: every call is refused before anything is written.
         const std::string token = p.token(unique_id("sec-flood"));
         grpc::Status status;
         for (int i = 0; i < 200 && status.error_code() != StatusCode::RESOURCE_EXHAUSTED; ++i) {
           status = p.identify(token, beacons(unique_id("flood"), 7, "00000000-0000-4000-8000-000000000000"));
         }
         return status;
       }},
  };

  // ---- SQL metacharacters in every string field, each where its own
  // validation decides (so nothing is written) ----
  const std::string sql = kSqlMeta;
  auto identify_field = [&](const std::string& name, StatusCode expected, std::function<v1::IdentifyRequest()> make) {
    table.push_back({"sql_in_" + name, expected,
                     [make](const Probe& p) { return p.identify(p.token(unique_id("sec-sql")), make()); }});
  };
  identify_field("identify.request_id", StatusCode::INVALID_ARGUMENT,
                 [sql] { return beacons(sql + unique_id(""), 7, "00000000-0000-4000-8000-000000000000"); });
  // Without spaces it is a valid request id and goes all the way (to the
  // unregistered beacon): carried as a value, never as SQL.
  identify_field("identify.request_id_accepted", StatusCode::NOT_FOUND, [] {
    return beacons("x';DROP/**/TABLE/**/visits;--" + unique_id(""), 7, "00000000-0000-4000-8000-000000000000");
  });
  identify_field("identify.sightings.uuid", StatusCode::INVALID_ARGUMENT,
                 [sql] { return beacons(unique_id("sql-uuid"), 3, sql); });
  identify_field("identify.table_qr", StatusCode::INVALID_ARGUMENT,
                 [sql] { return table_qr(unique_id("sql-qr"), sql); });
  auto admin_field = [&](const std::string& name, StatusCode expected, std::function<grpc::Status(const Probe&)> run) {
    table.push_back({"sql_in_" + name, expected, std::move(run)});
  };
  const auto admin_token = [](const Probe& p) { return p.token("sec-ops", Role::kAdmin); };
  admin_field("create_store.store_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::CreateStoreRequest r;
    r.set_store_id(sql);
    r.set_name("Name");
    return p.admin(&v1::Admin::Stub::CreateStore, admin_token(p), r);
  });
  admin_field("create_store.name", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::CreateStoreRequest r;  // the name is fine text; the lone latitude stops it
    r.set_store_id("sec-sql-store");
    r.set_name(sql);
    r.set_latitude(1.0);
    return p.admin(&v1::Admin::Stub::CreateStore, admin_token(p), r);
  });
  admin_field("add_zone.zone_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::AddZoneRequest r;
    r.set_store_id(kDemoStore);
    r.set_zone_id(sql);
    r.set_kind(v1::TABLE);
    r.set_label("T");
    return p.admin(&v1::Admin::Stub::AddZone, admin_token(p), r);
  });
  admin_field("add_zone.label", StatusCode::NOT_FOUND, [=](const Probe& p) {
    v1::AddZoneRequest r;
    r.set_store_id("sec-no-such-store");
    r.set_zone_id("table-99");
    r.set_kind(v1::TABLE);
    r.set_label(sql);
    return p.admin(&v1::Admin::Stub::AddZone, admin_token(p), r);
  });
  admin_field("register_beacon.uuid", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RegisterBeaconRequest r;
    r.set_uuid(sql);
    r.set_store_id(kDemoStore);
    r.set_zone_id("table-2");
    return p.admin(&v1::Admin::Stub::RegisterBeacon, admin_token(p), r);
  });
  admin_field("register_beacon.store_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RegisterBeaconRequest r;
    r.set_uuid(kDemoUuid);
    r.set_major(999);
    r.set_store_id(sql);
    r.set_zone_id("table-2");
    return p.admin(&v1::Admin::Stub::RegisterBeacon, admin_token(p), r);
  });
  admin_field("retire_beacon.uuid", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RetireBeaconRequest r;
    r.set_uuid(sql);
    return p.admin(&v1::Admin::Stub::RetireBeacon, admin_token(p), r);
  });
  admin_field("register_customer.customer_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RegisterCustomerRequest r;
    r.set_customer_id(sql);
    r.set_display_name("Eve");
    return p.admin(&v1::Admin::Stub::RegisterCustomer, admin_token(p), r);
  });
  admin_field("register_customer.phone", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RegisterCustomerRequest r;
    r.set_customer_id("sec-eve");
    r.set_display_name(sql);
    r.set_phone(sql);
    return p.admin(&v1::Admin::Stub::RegisterCustomer, admin_token(p), r);
  });
  admin_field("register_customer.email", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::RegisterCustomerRequest r;
    r.set_customer_id("sec-eve");
    r.set_display_name("Eve");
    r.set_email(sql);
    return p.admin(&v1::Admin::Stub::RegisterCustomer, admin_token(p), r);
  });
  admin_field("issue_table_qr.store_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::IssueTableQrRequest r;
    r.set_store_id(sql);
    r.set_zone_id("table-2");
    return p.admin(&v1::Admin::Stub::IssueTableQr, admin_token(p), r);
  });
  admin_field("get_store_presence.store_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::GetStorePresenceRequest r;
    r.set_store_id(sql);
    return p.admin(&v1::Admin::Stub::GetStorePresence, admin_token(p), r);
  });
  admin_field("list_customer_visits.customer_id", StatusCode::INVALID_ARGUMENT, [=](const Probe& p) {
    v1::ListCustomerVisitsRequest r;
    r.set_customer_id(sql);
    r.set_limit(5);
    return p.admin(&v1::Admin::Stub::ListCustomerVisits, admin_token(p), r);
  });

  // ---- invalid UTF-8 in every string field: proto3 strings must be UTF-8,
  // so the server's protobuf parser refuses the body before any handler
  // runs. gRPC 1.51's callback API answers a body it cannot parse with
  // UNIMPLEMENTED and no message (its choice, not ours; nothing of ours ran) ----
  struct Utf8Field {
    std::string name;
    std::string method;
    std::string body;
  };
  const std::string admin_prefix = "/tastesync.customer_id.v1.Admin/";
  const std::vector<Utf8Field> utf8_fields = {
      {"identify.request_id", kIdentifyMethod, bytes_field(1, kBadUtf8)},
      {"identify.table_qr", kIdentifyMethod, bytes_field(1, "utf8-qr") + bytes_field(3, kBadUtf8)},
      {"identify.sightings.uuid", kIdentifyMethod,
       bytes_field(1, "utf8-uuid") + bytes_field(2, bytes_field(1, bytes_field(1, kBadUtf8)))},
      {"create_store.store_id", admin_prefix + "CreateStore", bytes_field(1, kBadUtf8)},
      {"create_store.name", admin_prefix + "CreateStore", bytes_field(1, "sec-x") + bytes_field(2, kBadUtf8)},
      {"add_zone.store_id", admin_prefix + "AddZone", bytes_field(1, kBadUtf8)},
      {"add_zone.zone_id", admin_prefix + "AddZone", bytes_field(2, kBadUtf8)},
      {"add_zone.label", admin_prefix + "AddZone", bytes_field(4, kBadUtf8)},
      {"register_beacon.uuid", admin_prefix + "RegisterBeacon", bytes_field(1, kBadUtf8)},
      {"register_beacon.store_id", admin_prefix + "RegisterBeacon", bytes_field(4, kBadUtf8)},
      {"register_beacon.zone_id", admin_prefix + "RegisterBeacon", bytes_field(5, kBadUtf8)},
      {"retire_beacon.uuid", admin_prefix + "RetireBeacon", bytes_field(1, kBadUtf8)},
      {"register_customer.customer_id", admin_prefix + "RegisterCustomer", bytes_field(1, kBadUtf8)},
      {"register_customer.display_name", admin_prefix + "RegisterCustomer", bytes_field(2, kBadUtf8)},
      {"register_customer.phone", admin_prefix + "RegisterCustomer", bytes_field(3, kBadUtf8)},
      {"register_customer.email", admin_prefix + "RegisterCustomer", bytes_field(4, kBadUtf8)},
      {"issue_table_qr.store_id", admin_prefix + "IssueTableQr", bytes_field(1, kBadUtf8)},
      {"issue_table_qr.zone_id", admin_prefix + "IssueTableQr", bytes_field(2, kBadUtf8)},
      {"get_store_presence.store_id", admin_prefix + "GetStorePresence", bytes_field(1, kBadUtf8)},
      {"list_customer_visits.customer_id", admin_prefix + "ListCustomerVisits", bytes_field(1, kBadUtf8)},
  };
  for (const auto& field : utf8_fields) {
    table.push_back({"invalid_utf8_in_" + field.name, kUnparseableBody, [field](const Probe& p) {
                       return p.raw(field.method, p.token("sec-ops", Role::kAdmin), field.body);
                     }});
  }
  return table;
}

// What the attacks need, created once before the database checksum.
int setup(const Probe& p) {
  const std::string admin = p.token("sec-ops", Role::kAdmin);
  struct Located {
    const char* id;
    double latitude;
    double longitude;
  };
  for (const Located store : {Located{kParisStore, 48.8566, 2.3522}, Located{kLyonStore, 45.7640, 4.8357}}) {
    v1::CreateStoreRequest create;
    create.set_store_id(store.id);
    create.set_name(store.id);
    create.set_latitude(store.latitude);
    create.set_longitude(store.longitude);
    const auto created = p.admin(&v1::Admin::Stub::CreateStore, admin, create);
    v1::AddZoneRequest zone;
    zone.set_store_id(store.id);
    zone.set_zone_id("table-1");
    zone.set_kind(v1::TABLE);
    zone.set_label("Table 1");
    const auto added = p.admin(&v1::Admin::Stub::AddZone, admin, zone);
    if (!created.ok() || !added.ok()) {
      std::cerr << "setup: cannot create " << store.id << ": " << created.error_message() << " / "
                << added.error_message() << '\n';
      return 2;
    }
  }
  // The registry snapshot follows LISTEN/NOTIFY: wait until the new table is known.
  for (int attempt = 0;; ++attempt) {
    const auto seated = p.identify(p.token(kSeatedCustomer), table_qr(kSeatedRequestId, p.qr(kParisStore, "table-1")));
    if (seated.ok()) break;
    if (attempt == 50) {
      std::cerr << "setup: cannot seat " << kSeatedCustomer << ": " << seated.error_message() << '\n';
      return 2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "setup: stores " << kParisStore << ", " << kLyonStore << "; " << kSeatedCustomer << " seated in Paris\n";
  return 0;
}

// grpc.health.v1 Check for the whole server; SERVING is HealthCheckResponse
// field 1 = 1, on the wire 08 01.
int health(const Probe& p) {
  std::string response;
  const grpc::Status status = p.raw("/grpc.health.v1.Health/Check", "", "", &response);
  const bool serving = status.ok() && response == std::string("\x08\x01", 2);
  std::cout << "server_health: got "
            << (serving       ? "SERVING"
                : status.ok() ? "NOT_SERVING"
                              : status_code_name(status.error_code()))
            << " expected SERVING" << (serving ? " ok" : " MISMATCH") << '\n';
  return serving ? 0 : 1;
}

int run_attacks(const Probe& p) {
  int mismatches = 0;
  int count = 0;
  for (const Attack& attack : attacks()) {
    const grpc::Status status = attack.run(p);
    const bool ok = status.error_code() == attack.expected;
    ++count;
    if (!ok) ++mismatches;
    std::cout << "attack " << attack.name << ": got " << status_code_name(status.error_code()) << " expected "
              << status_code_name(attack.expected) << (ok ? " ok" : " MISMATCH") << " ("
              << status.error_message().substr(0, 100) << ")\n";
  }
  std::cout << count << " attacks, " << mismatches << " mismatches\n";
  return mismatches == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string keys;
  std::string phase;
  std::string old_qr_secret;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--port") port = std::atoi(argv[i + 1]);
    if (arg == "--keys") keys = argv[i + 1];
    if (arg == "--phase") phase = argv[i + 1];
    if (arg == "--old-qr-secret") old_qr_secret = argv[i + 1];
  }
  if (port <= 0 || keys.empty() || (phase != "setup" && phase != "attacks" && phase != "health")) {
    std::cerr << "usage: attack_probe --port PORT --keys DIR --phase setup|attacks|health [--old-qr-secret FILE]\n";
    return 2;
  }
  int code = 0;
  {
    const Probe probe(port, keys, old_qr_secret);
    code = phase == "health" ? health(probe) : phase == "setup" ? setup(probe) : run_attacks(probe);
  }
  infrastructure::grpc_adapter::wait_for_grpc_released();
  return code;
}
