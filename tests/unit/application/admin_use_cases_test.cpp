#include "application/use_cases/admin_use_cases.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "infrastructure/crypto/table_qr_codec.h"
#include "mocks/in_memory_ports.h"
#include "mocks/in_memory_registry_admin.h"
#include "support/expect_rejected.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;

constexpr const char* kUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
const std::string kSqlInjection = "'; DROP TABLE stores; --";

const Principal kAdmin{"ops", Role::kAdmin, "", {}, {}};
const Principal kService{"recommender", Role::kService, "", {}, {}};
const Principal kStaffBistro{"waiter", Role::kStaff, "bistro", {}, {}};
const Principal kStaffCafe{"barista", Role::kStaff, "cafe", {}, {}};
const Principal kScanner{"door", Role::kScanner, "bistro", {}, {}};
const Principal kAlice{"alice", Role::kCustomer, "", {}, {}};
const Principal kBob{"bob", Role::kCustomer, "", {}, {}};

// Stands in for the PNG renderer (tested on its own): shows which payload
// the use case asked to draw.
class FakeQrImage final : public QrImagePort {
 public:
  domain::Result<std::string> png(std::string_view payload) const override { return "PNG:" + std::string(payload); }
};

domain::FloorPlan starting_plan() {
  const auto uuid = *domain::BeaconUuid::parse(kUuid);
  domain::Store bistro{"bistro", "Bistro", {}};
  bistro.zones.push_back({"entrance", "", domain::ZoneKind::kEntrance, "Entrance"});
  bistro.zones.push_back({"table-1", "", domain::ZoneKind::kTable, "Table 1"});
  domain::Store cafe{"cafe", "Cafe", {{"terrace-1", "", domain::ZoneKind::kTable, "Terrace 1"}}};
  std::vector<domain::Beacon> beacons{{{uuid, 100, 0}, "bistro", "entrance", -59, 0.0},
                                      {{uuid, 100, 1}, "bistro", "table-1", -59, 0.0}};
  return *domain::FloorPlan::build({bistro, cafe}, beacons);
}

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

class AdminUseCasesTest : public ::testing::Test {
 protected:
  AdminUseCasesTest()
      : registry_(starting_plan()),
        registry_admin_(registry_),
        codec_(infrastructure::HmacKeyRing({{"qr-1", std::string(32, '\x11')}}, "qr-1")),
        admin_(registry_admin_, registry_, customers_, ledger_, codec_, qr_image_) {}

  // Asserts the call failed with `code` (and `field`, when given) and that
  // nothing was written: the registry still serves the very same snapshot.
  template <typename T>
  void expect_rejected(const domain::Result<T>& result, ErrorCode code, const std::string& field = {}) {
    testing::expect_rejected_unchanged(result, code, field, registry_.current(), plan_before_);
  }

  void remember_plan() { plan_before_ = registry_.current(); }

  RegisterBeaconRequest beacon(std::int64_t minor, std::string zone = "table-1", std::string store = "bistro") {
    return RegisterBeaconRequest{kUuid, 100, minor, std::move(store), std::move(zone), -60, 1.5};
  }

  void seat(const std::string& customer, const std::string& store, const std::string& zone, domain::ZoneKind kind) {
    domain::Presence presence;
    presence.visit_id = "visit-" + customer;
    presence.store_id = store;
    presence.zone_id = zone;
    presence.zone_kind = kind;
    presence.visit_started_at = domain::Timestamp(std::chrono::seconds(1000));
    presence.zone_since = domain::Timestamp(std::chrono::seconds(1100));
    presence.last_seen = domain::Timestamp(std::chrono::seconds(1200));
    ASSERT_TRUE(ledger_.record(customer, std::nullopt, presence, {}, std::nullopt).has_value());
  }

  testing::InMemoryBeaconRegistry registry_;
  testing::InMemoryRegistryAdmin registry_admin_;
  testing::InMemoryCustomerDirectory customers_;
  testing::InMemoryVisitLedger ledger_;
  infrastructure::HmacTableQrCodec codec_;
  FakeQrImage qr_image_;
  AdminUseCases admin_;
  domain::FloorPlanPtr plan_before_ = registry_.current();
};

// ---- authorization -----------------------------------------------------------

TEST_F(AdminUseCasesTest, RegistryCustomerAndQrOperationsNeedAnAdmin) {
  for (const Principal& caller : {kService, kStaffBistro, kScanner, kAlice}) {
    SCOPED_TRACE(to_string(caller.role));
    expect_rejected(admin_.create_store(caller, {"new", "New"}), ErrorCode::kPermissionDenied);
    expect_rejected(admin_.add_zone(caller, {"bistro", "table-2", domain::ZoneKind::kTable, "Table 2"}),
                    ErrorCode::kPermissionDenied);
    expect_rejected(admin_.update_zone(caller, {"bistro", "table-1", "Window table"}), ErrorCode::kPermissionDenied);
    expect_rejected(admin_.register_beacon(caller, beacon(7)), ErrorCode::kPermissionDenied);
    expect_rejected(admin_.retire_beacon(caller, {kUuid, 100, 1}), ErrorCode::kPermissionDenied);
    expect_rejected(admin_.register_customer(caller, {"carol", "Carol", "", ""}), ErrorCode::kPermissionDenied);
    expect_rejected(admin_.issue_table_qr(caller, {"bistro", "table-1"}), ErrorCode::kPermissionDenied);
  }
  EXPECT_FALSE(customers_.find("carol")->has_value());

  EXPECT_TRUE(admin_.create_store(kAdmin, {"new", "New"}).has_value());
  EXPECT_TRUE(admin_.add_zone(kAdmin, {"bistro", "table-2", domain::ZoneKind::kTable, "Table 2"}).has_value());
  EXPECT_TRUE(admin_.register_beacon(kAdmin, beacon(7)).has_value());
  EXPECT_TRUE(admin_.retire_beacon(kAdmin, {kUuid, 100, 7}).has_value());
  EXPECT_TRUE(admin_.register_customer(kAdmin, {"carol", "Carol", "", ""}).has_value());
  EXPECT_TRUE(admin_.issue_table_qr(kAdmin, {"bistro", "table-1"}).has_value());
}

TEST_F(AdminUseCasesTest, StorePresenceIsForAdminsAndThatStoresStaff) {
  EXPECT_TRUE(admin_.store_presence(kAdmin, {"bistro"}).has_value());
  EXPECT_TRUE(admin_.store_presence(kStaffBistro, {"bistro"}).has_value());
  expect_rejected(admin_.store_presence(kStaffCafe, {"bistro"}), ErrorCode::kPermissionDenied);
  expect_rejected(admin_.store_presence(Principal{"w", Role::kStaff, "", {}, {}}, {"bistro"}),
                  ErrorCode::kPermissionDenied);
  for (const Principal& caller : {kService, kScanner, kAlice}) {
    expect_rejected(admin_.store_presence(caller, {"bistro"}), ErrorCode::kPermissionDenied);
  }
}

TEST_F(AdminUseCasesTest, VisitsAreForAdminsServicesAndTheCustomerThemselves) {
  for (const Principal& caller : {kAdmin, kService, kAlice}) {
    EXPECT_TRUE(admin_.customer_visits(caller, {"alice", 10}).has_value()) << to_string(caller.role);
  }
  for (const Principal& caller : {kBob, kStaffBistro, kScanner}) {
    expect_rejected(admin_.customer_visits(caller, {"alice", 10}), ErrorCode::kPermissionDenied);
  }
  // A customer token whose subject merely resembles another id gets nothing.
  expect_rejected(admin_.customer_visits(Principal{"alice ", Role::kCustomer, "", {}, {}}, {"alice", 10}),
                  ErrorCode::kPermissionDenied);
}

// ---- ids, names and free text ------------------------------------------------

TEST_F(AdminUseCasesTest, IdsAreANarrowAlphabet) {
  for (const std::string& id : {std::string(), std::string(65, 'a'), kSqlInjection, std::string("tisch 1"),
                                std::string("caf\xc3\xa9"), std::string("a/b"), std::string("a\nb")}) {
    SCOPED_TRACE(id);
    expect_rejected(admin_.create_store(kAdmin, {id, "Name"}), ErrorCode::kInvalidArgument, "store_id");
    expect_rejected(admin_.add_zone(kAdmin, {"bistro", id, domain::ZoneKind::kTable, "Label"}),
                    ErrorCode::kInvalidArgument, "zone_id");
    expect_rejected(admin_.register_customer(kAdmin, {id, "Name", "", ""}), ErrorCode::kInvalidArgument, "customer_id");
    expect_rejected(admin_.issue_table_qr(kAdmin, {"bistro", id}), ErrorCode::kInvalidArgument, "zone_id");
    expect_rejected(admin_.store_presence(kAdmin, {id}), ErrorCode::kInvalidArgument, "store_id");
    expect_rejected(admin_.customer_visits(kAdmin, {id, 10}), ErrorCode::kInvalidArgument, "customer_id");
  }
  EXPECT_TRUE(admin_.create_store(kAdmin, {std::string(64, 'a'), "Longest id"}).has_value());
  EXPECT_TRUE(admin_.create_store(kAdmin, {"Az09_-", "Every kind of character"}).has_value());
}

TEST_F(AdminUseCasesTest, SqlMetacharactersInNamesAreStoredVerbatim) {
  const std::string name = kSqlInjection + " \"x\" \\ ; /* */ %_";
  ASSERT_TRUE(admin_.create_store(kAdmin, {"sql", name}).has_value());
  ASSERT_TRUE(admin_.add_zone(kAdmin, {"sql", "t1", domain::ZoneKind::kTable, name}).has_value());
  ASSERT_TRUE(admin_.register_customer(kAdmin, {"dropper", name, "", "o'brien@example.com"}).has_value());
  const domain::FloorPlanPtr plan = registry_.current();
  EXPECT_EQ(plan->find_store("sql")->name, name);
  EXPECT_EQ(plan->find_zone("sql", "t1")->label, name);
  const auto customer = customers_.find("dropper");
  ASSERT_TRUE(customer.has_value() && customer->has_value());
  EXPECT_EQ((*customer)->display_name, name);
  EXPECT_EQ((*customer)->email, "o'brien@example.com");
}

TEST_F(AdminUseCasesTest, NamesMustBeWellFormedUtf8WithoutControlCharacters) {
  const std::vector<std::string> bad = {
      "",                         // empty
      "\xff",                     // never valid in UTF-8
      "Caf\xc3",                  // truncated sequence
      "\xc0\xaf",                 // overlong '/'
      "\xed\xa0\x80",             // UTF-16 surrogate
      "\xf4\x90\x80\x80",         // beyond U+10FFFF
      "Table\n1",                 // C0 control
      std::string("Ta\0ble", 6),  // NUL
      "Table\x7f",                // DEL
      "Table\xc2\x85",            // C1 control (NEL)
  };
  for (const std::string& name : bad) {
    SCOPED_TRACE(::testing::PrintToString(name));
    expect_rejected(admin_.create_store(kAdmin, {"s", name}), ErrorCode::kInvalidArgument, "name");
    expect_rejected(admin_.add_zone(kAdmin, {"bistro", "z", domain::ZoneKind::kTable, name}),
                    ErrorCode::kInvalidArgument, "label");
    expect_rejected(admin_.register_customer(kAdmin, {"c", name, "", ""}), ErrorCode::kInvalidArgument, "display_name");
  }
  EXPECT_FALSE(customers_.find("c")->has_value());
  EXPECT_TRUE(
      admin_.create_store(kAdmin, {"unicode", "Caf\xc3\xa9 \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x8d\x95"}).has_value());
}

TEST_F(AdminUseCasesTest, NamesAreAtMostOneHundredCharactersNotBytes) {
  const std::string e_acute = "\xc3\xa9";
  EXPECT_TRUE(admin_.create_store(kAdmin, {"s100", repeat(e_acute, 100)}).has_value());  // 200 bytes
  remember_plan();
  expect_rejected(admin_.create_store(kAdmin, {"s101", repeat(e_acute, 101)}), ErrorCode::kInvalidArgument, "name");
  expect_rejected(admin_.add_zone(kAdmin, {"bistro", "z", domain::ZoneKind::kTable, std::string(101, 'x')}),
                  ErrorCode::kInvalidArgument, "label");
  expect_rejected(admin_.register_customer(kAdmin, {"c", std::string(100000, 'x'), "", ""}),
                  ErrorCode::kInvalidArgument, "display_name");
}

// ---- customers ---------------------------------------------------------------

TEST_F(AdminUseCasesTest, PhoneMustBeE164) {
  for (const char* phone : {"4915112345678", "+1234567", "+1234567890123456", "+49 151 1234567", "+49-1511234567",
                            "+0123456789", "+", "++4915112345678", "+4915112345678'--"}) {
    SCOPED_TRACE(phone);
    expect_rejected(admin_.register_customer(kAdmin, {"c", "Carol", phone, ""}), ErrorCode::kInvalidArgument, "phone");
  }
  EXPECT_FALSE(customers_.find("c")->has_value());
  EXPECT_TRUE(admin_.register_customer(kAdmin, {"c8", "Carol", "+12345678", ""}).has_value());
  EXPECT_TRUE(admin_.register_customer(kAdmin, {"c15", "Carol", "+123456789012345", ""}).has_value());
}

TEST_F(AdminUseCasesTest, EmailMustLookLikeAnAddress) {
  const std::string long_local = std::string(64, 'a') + "@" + repeat(std::string(62, 'b') + ".", 3) + "com";
  ASSERT_GT(long_local.size(), 254u);
  for (const std::string& email :
       {std::string("carol"), std::string("carol@"), std::string("@example.com"), std::string("carol@example"),
        std::string("carol@@example.com"), std::string("carol@example..com"), std::string(".carol@example.com"),
        std::string("ca..rol@example.com"), std::string("carol.@example.com"), std::string("carol@-example.com"),
        std::string("carol@example.c"), std::string("carol@example.123"), std::string("ca rol@example.com"),
        std::string("\"carol\"@example.com"), kSqlInjection + "@example.com", std::string("carol@exa'mple.com"),
        std::string(65, 'a') + "@example.com", long_local}) {
    SCOPED_TRACE(email);
    expect_rejected(admin_.register_customer(kAdmin, {"c", "Carol", "", email}), ErrorCode::kInvalidArgument, "email");
  }
  EXPECT_FALSE(customers_.find("c")->has_value());
  for (const std::string email :
       {"carol@example.com", "carol.o'neil+tables@mail.example.co.uk", "c@xn--p1ai.xn--p1ai"}) {
    EXPECT_TRUE(admin_
                    .register_customer(
                        kAdmin, {"c-" + std::to_string(std::hash<std::string>{}(email) % 1000), "Carol", "", email})
                    .has_value())
        << email;
  }
}

TEST_F(AdminUseCasesTest, RegisteringACustomerTwiceIsAlreadyExists) {
  ASSERT_TRUE(admin_.register_customer(kAdmin, {"carol", "Carol", "+4915112345678", "carol@example.com"}).has_value());
  expect_rejected(admin_.register_customer(kAdmin, {"carol", "Other", "", ""}), ErrorCode::kAlreadyExists);
  EXPECT_EQ((*customers_.find("carol"))->display_name, "Carol");
  EXPECT_EQ((*customers_.find("carol"))->phone, "+4915112345678");
}

// ---- stores, zones, beacons --------------------------------------------------

TEST_F(AdminUseCasesTest, StoresAndZonesAreCreatedOnceAndOnlyInKnownStores) {
  ASSERT_TRUE(admin_.create_store(kAdmin, {"deli", "Deli"}).has_value());
  ASSERT_TRUE(admin_.add_zone(kAdmin, {"deli", "door", domain::ZoneKind::kEntrance, "Door"}).has_value());
  const domain::Zone* door = registry_.current()->find_zone("deli", "door");
  ASSERT_NE(door, nullptr);
  EXPECT_EQ(door->kind, domain::ZoneKind::kEntrance);
  EXPECT_EQ(door->label, "Door");

  remember_plan();
  expect_rejected(admin_.create_store(kAdmin, {"deli", "Deli again"}), ErrorCode::kAlreadyExists);
  expect_rejected(admin_.add_zone(kAdmin, {"deli", "door", domain::ZoneKind::kTable, "Door"}),
                  ErrorCode::kAlreadyExists);
  expect_rejected(admin_.add_zone(kAdmin, {"nowhere", "door", domain::ZoneKind::kTable, "Door"}), ErrorCode::kNotFound,
                  "store_id");
  expect_rejected(admin_.add_zone(kAdmin, {"deli", "t", std::nullopt, "T"}), ErrorCode::kInvalidArgument, "kind");
  // The same zone id in another store is a different zone.
  EXPECT_TRUE(admin_.add_zone(kAdmin, {"cafe", "door", domain::ZoneKind::kEntrance, "Door"}).has_value());
}

TEST_F(AdminUseCasesTest, AnUpdateReplacesWhatItGivesOfAZoneAndKeepsTheRest) {
  const domain::ZoneLayout drawn{1, 2, 1.5, 1.5};
  ASSERT_TRUE(admin_.add_zone(kAdmin, {"bistro", "table-2", domain::ZoneKind::kTable, "Table 2", drawn}).has_value());
  const auto zone = [&] { return *registry_.current()->find_zone("bistro", "table-2"); };

  // A position for a zone made without one: label and layout stay.
  ASSERT_TRUE(admin_.update_zone(kAdmin, {"bistro", "table-2", std::nullopt, std::nullopt, {{4.5, 2.0}}}).has_value());
  ASSERT_TRUE(zone().position);
  EXPECT_DOUBLE_EQ(zone().position->x_m, 4.5);
  EXPECT_DOUBLE_EQ(zone().position->y_m, 2.0);
  EXPECT_EQ(zone().label, "Table 2");
  ASSERT_TRUE(zone().layout);
  EXPECT_DOUBLE_EQ(zone().layout->width, 1.5);
  // A new label: the position stays.
  ASSERT_TRUE(admin_.update_zone(kAdmin, {"bistro", "table-2", "Window table"}).has_value());
  EXPECT_EQ(zone().label, "Window table");
  ASSERT_TRUE(zone().position);
  EXPECT_DOUBLE_EQ(zone().position->x_m, 4.5);
  EXPECT_EQ(zone().kind, domain::ZoneKind::kTable);

  remember_plan();
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table-2"}), ErrorCode::kInvalidArgument);
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table-9", "Nine"}), ErrorCode::kNotFound, "zone_id");
  expect_rejected(admin_.update_zone(kAdmin, {"nowhere", "table-2", "Two"}), ErrorCode::kNotFound, "store_id");
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table 2", "Two"}), ErrorCode::kInvalidArgument, "zone_id");
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table-2", ""}), ErrorCode::kInvalidArgument, "label");
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table-2", std::nullopt, std::nullopt, {{-1, 2}}}),
                  ErrorCode::kInvalidArgument, "position.x");
  expect_rejected(admin_.update_zone(kAdmin, {"bistro", "table-2", std::nullopt, {{1, 2, 0, 1}}}),
                  ErrorCode::kInvalidArgument, "layout.width");
}

TEST_F(AdminUseCasesTest, BeaconsAreRegisteredOnceInAZoneOfTheirStore) {
  ASSERT_TRUE(admin_.register_beacon(kAdmin, beacon(2)).has_value());
  const auto uuid = *domain::BeaconUuid::parse(kUuid);
  const domain::Beacon* registered = registry_.current()->find_beacon({uuid, 100, 2});
  ASSERT_NE(registered, nullptr);
  EXPECT_EQ(registered->zone_id, "table-1");
  EXPECT_EQ(registered->tx_power_1m, -60);
  EXPECT_DOUBLE_EQ(registered->calibration_offset_db, 1.5);

  remember_plan();
  expect_rejected(admin_.register_beacon(kAdmin, beacon(2)), ErrorCode::kAlreadyExists);
  // Same identity in another case is still the same beacon.
  RegisterBeaconRequest upper = beacon(2, "entrance");
  upper.uuid = "F7826DA6-4FA2-4E98-8024-BC5B71E0893E";
  expect_rejected(admin_.register_beacon(kAdmin, upper), ErrorCode::kAlreadyExists);
  expect_rejected(admin_.register_beacon(kAdmin, beacon(3, "terrace-1", "bistro")), ErrorCode::kNotFound, "zone_id");
  expect_rejected(admin_.register_beacon(kAdmin, beacon(3, "table-1", "nowhere")), ErrorCode::kNotFound, "store_id");
  expect_rejected(admin_.register_beacon(kAdmin, beacon(3, "missing")), ErrorCode::kNotFound, "zone_id");
}

TEST_F(AdminUseCasesTest, BeaconTxPowerDefaultsToTheUsualOneMetreValue) {
  RegisterBeaconRequest request = beacon(9);
  request.tx_power.reset();
  ASSERT_TRUE(admin_.register_beacon(kAdmin, request).has_value());
  EXPECT_EQ(registry_.current()->find_beacon({*domain::BeaconUuid::parse(kUuid), 100, 9})->tx_power_1m, -59);
}

TEST_F(AdminUseCasesTest, BeaconFieldsFollowIdentifysRules) {
  struct Case {
    RegisterBeaconRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  auto with = [this](auto change, std::string field) {
    RegisterBeaconRequest request = beacon(5);
    change(request);
    return Case{request, std::move(field)};
  };
  cases.push_back(with([](auto& r) { r.uuid = ""; }, "uuid"));
  cases.push_back(with([](auto& r) { r.uuid = "f7826da64fa24e988024bc5b71e0893e"; }, "uuid"));
  cases.push_back(with([&](auto& r) { r.uuid = kSqlInjection; }, "uuid"));
  cases.push_back(with([](auto& r) { r.major = 65536; }, "major"));
  cases.push_back(with([](auto& r) { r.major = -1; }, "major"));
  cases.push_back(with([](auto& r) { r.minor = 65536; }, "minor"));
  cases.push_back(with([](auto& r) { r.tx_power = 21; }, "tx_power"));
  cases.push_back(with([](auto& r) { r.tx_power = -128; }, "tx_power"));
  cases.push_back(with([](auto& r) { r.calibration_offset_db = 30.5; }, "calibration_offset_db"));
  cases.push_back(with([](auto& r) { r.calibration_offset_db = std::nan(""); }, "calibration_offset_db"));
  cases.push_back(with([](auto& r) { r.calibration_offset_db = std::numeric_limits<double>::infinity(); },
                       "calibration_offset_db"));
  cases.push_back(with([&](auto& r) { r.store_id = kSqlInjection; }, "store_id"));
  cases.push_back(with([&](auto& r) { r.zone_id = kSqlInjection; }, "zone_id"));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    expect_rejected(admin_.register_beacon(kAdmin, c.request), ErrorCode::kInvalidArgument, c.field);
  }
  expect_rejected(admin_.retire_beacon(kAdmin, {kUuid, 70000, 1}), ErrorCode::kInvalidArgument, "major");
  expect_rejected(admin_.retire_beacon(kAdmin, {"nope", 1, 1}), ErrorCode::kInvalidArgument, "uuid");

  RegisterBeaconRequest edges = beacon(65535);
  edges.major = 0;
  edges.tx_power = 20;
  edges.calibration_offset_db = -30.0;
  EXPECT_TRUE(admin_.register_beacon(kAdmin, edges).has_value());
}

TEST_F(AdminUseCasesTest, RetiredBeaconsLeaveTheFloorPlanAndMayReturn) {
  const domain::BeaconKey key{*domain::BeaconUuid::parse(kUuid), 100, 1};
  ASSERT_TRUE(admin_.retire_beacon(kAdmin, {kUuid, 100, 1}).has_value());
  EXPECT_EQ(registry_.current()->find_beacon(key), nullptr);
  EXPECT_NE(registry_.current()->find_beacon({key.uuid, 100, 0}), nullptr) << "retired the wrong beacon";
  remember_plan();
  expect_rejected(admin_.retire_beacon(kAdmin, {kUuid, 100, 1}), ErrorCode::kNotFound);
  ASSERT_TRUE(admin_.register_beacon(kAdmin, beacon(1, "entrance")).has_value());
  EXPECT_EQ(registry_.current()->find_beacon(key)->zone_id, "entrance");
}

// ---- table QR codes ----------------------------------------------------------

TEST_F(AdminUseCasesTest, TableQrCodesAreSignedForRegisteredTablesOnly) {
  auto code = admin_.issue_table_qr(kAdmin, {"bistro", "table-1"});
  ASSERT_TRUE(code.has_value()) << code.error().message;
  const auto claim = codec_.verify(code->payload);
  ASSERT_TRUE(claim.has_value()) << claim.error().message;
  EXPECT_EQ(claim->store_id, "bistro");
  EXPECT_EQ(claim->zone_id, "table-1");
  EXPECT_EQ(code->png, "PNG:" + code->payload);

  expect_rejected(admin_.issue_table_qr(kAdmin, {"bistro", "entrance"}), ErrorCode::kInvalidArgument, "zone_id");
  expect_rejected(admin_.issue_table_qr(kAdmin, {"bistro", "table-9"}), ErrorCode::kNotFound, "zone_id");
  expect_rejected(admin_.issue_table_qr(kAdmin, {"bistro", "terrace-1"}), ErrorCode::kNotFound, "zone_id");
  expect_rejected(admin_.issue_table_qr(kAdmin, {"nowhere", "table-1"}), ErrorCode::kNotFound, "store_id");
}

// ---- reading presence and visits ---------------------------------------------

TEST_F(AdminUseCasesTest, StorePresenceListsWhoIsWhereWithTableLabels) {
  seat("zoe", "bistro", "table-1", domain::ZoneKind::kTable);
  seat("adam", "bistro", "entrance", domain::ZoneKind::kEntrance);
  seat("cleo", "cafe", "terrace-1", domain::ZoneKind::kTable);
  auto present = admin_.store_presence(kStaffBistro, {"bistro"});
  ASSERT_TRUE(present.has_value()) << present.error().message;
  ASSERT_EQ(present->size(), 2u);
  EXPECT_EQ((*present)[0].customer_id, "adam");
  EXPECT_EQ((*present)[0].zone_kind, domain::ZoneKind::kEntrance);
  EXPECT_EQ((*present)[0].table_label, "");
  EXPECT_EQ((*present)[1].customer_id, "zoe");
  EXPECT_EQ((*present)[1].zone_id, "table-1");
  EXPECT_EQ((*present)[1].table_label, "Table 1");
  EXPECT_EQ((*present)[1].since, domain::Timestamp(std::chrono::seconds(1100)));
  EXPECT_EQ((*present)[1].last_seen, domain::Timestamp(std::chrono::seconds(1200)));

  expect_rejected(admin_.store_presence(kAdmin, {"nowhere"}), ErrorCode::kNotFound, "store_id");
}

TEST_F(AdminUseCasesTest, VisitsComeNewestFirstUpToTheLimit) {
  for (int i = 1; i <= 3; ++i) {
    domain::Presence presence;
    presence.visit_id = "v" + std::to_string(i);
    presence.store_id = "bistro";
    presence.zone_id = "entrance";
    presence.visit_started_at = domain::Timestamp(std::chrono::seconds(1000 * i));
    presence.zone_since = presence.visit_started_at;
    const auto before = ledger_.current("alice");
    ASSERT_TRUE(ledger_.record("alice", *before, presence, {}, std::nullopt).has_value());
  }
  auto visits = admin_.customer_visits(kAlice, {"alice", 2});
  ASSERT_TRUE(visits.has_value()) << visits.error().message;
  ASSERT_EQ(visits->size(), 2u);
  EXPECT_EQ((*visits)[0].visit_id, "v3");
  EXPECT_EQ((*visits)[1].visit_id, "v2");
  EXPECT_TRUE((*visits)[1].left_at.has_value());
  EXPECT_EQ(admin_.customer_visits(kAdmin, {"nobody", 100})->size(), 0u);

  for (std::int64_t limit : {-1, 101}) {
    expect_rejected(admin_.customer_visits(kAlice, {"alice", limit}), ErrorCode::kInvalidArgument, "limit");
  }
  // No limit given (protobuf's 0): the default page, as docs/openapi.yaml says.
  auto unlimited = admin_.customer_visits(kAlice, {"alice", 0});
  ASSERT_TRUE(unlimited.has_value()) << unlimited.error().message;
  EXPECT_EQ(unlimited->size(), 3u);
}

}  // namespace
}  // namespace tastesync::application
