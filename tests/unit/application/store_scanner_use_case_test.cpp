#include "application/use_cases/store_scanner_use_case.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "application/use_cases/customer_credentials_use_case.h"
#include "infrastructure/crypto/customer_code_codec.h"
#include "infrastructure/crypto/phone_beacon_index.h"
#include "infrastructure/crypto/rotating_beacon_id.h"
#include "infrastructure/local/composite_request_state.h"
#include "mocks/fake_clock.h"
#include "mocks/fake_ports.h"
#include "mocks/in_memory_devices.h"
#include "mocks/in_memory_ports.h"
#include "support/test_floor_plan.h"

namespace tastesync::application {
namespace {

using domain::ErrorCode;
using domain::EventType;
using testing::FakeClock;

constexpr std::chrono::seconds kPeriod{120};

class FakeClaims final : public OneTimeClaimPort {
 public:
  domain::Result<std::string> claim(const std::string& key, const std::string& holder, std::chrono::seconds) override {
    return claims_.try_emplace(key, holder).first->second;
  }

 private:
  std::map<std::string, std::string> claims_;
};

class StoreScannerUseCaseTest : public ::testing::Test {
 protected:
  StoreScannerUseCaseTest()
      : registry_(testing::test_floor_plan()),
        idempotency_(1000, std::chrono::hours(1), clock_),
        request_state_(presence_, idempotency_),
        identify_(IdentifyDependencies{registry_, presence_, ledger_, events_, idempotency_, request_state_, table_qr_,
                                       clock_, ids_},
                  domain::ResolverSettings{}, IdentifyLimits{}),
        codes_(std::move(*infrastructure::HmacCustomerCodeCodec::create(
            infrastructure::HmacKeyRing({{"cc-1", std::string(32, 'k')}}, "cc-1"), std::chrono::seconds(60)))),
        index_(devices_, kPeriod, std::chrono::seconds(5)),
        scanner_(StoreScannerDependencies{identify_, index_, *codes_, claims_, clock_},
                 StoreScannerSettings{kPeriod, std::chrono::seconds(60), IdentifyLimits{}}),
        credentials_(CustomerCredentialsDependencies{devices_, index_, *codes_, clock_},
                     PhoneBeaconSettings{"3f5d2c8e-1b7a-4e6f-9a0c-7d4b2e9f1a63", kPeriod}) {}

  static Principal customer(const std::string& id) { return {id, Role::kCustomer, "", {}, {}}; }
  static Principal scanner(const std::string& store) { return {"door-" + store, Role::kScanner, store, {}, {}}; }

  PhoneBeaconReport heard(const std::string& secret, const std::string& store = "bistro", int windows_from_now = 0) {
    const auto counter = infrastructure::rotation_counter(clock_.now(), kPeriod) + windows_from_now;
    const auto id = *infrastructure::rotating_beacon_id(secret, counter);
    return PhoneBeaconReport{"r-" + std::to_string(++requests_), store, id.major, id.minor, -60, std::nullopt};
  }

  std::vector<EventType> event_types() const {
    std::vector<EventType> types;
    for (const auto& e : events_.published()) types.push_back(e.type);
    return types;
  }

  FakeClock clock_;
  testing::InMemoryBeaconRegistry registry_;
  infrastructure::InMemoryPresenceStore presence_;
  testing::InMemoryVisitLedger ledger_;
  testing::InMemoryEventPublisher events_;
  infrastructure::InMemoryIdempotencyStore idempotency_;
  infrastructure::CompositeRequestState request_state_;
  testing::FakeTableQr table_qr_;
  testing::SequentialIds ids_;
  IdentifyCustomerUseCase identify_;
  std::unique_ptr<infrastructure::HmacCustomerCodeCodec> codes_;
  testing::InMemoryDevices devices_;
  FakeClaims claims_;
  infrastructure::PhoneBeaconIndex index_;
  StoreScannerUseCase scanner_;
  CustomerCredentialsUseCase credentials_;
  int requests_ = 0;
};

TEST_F(StoreScannerUseCaseTest, PhoneBeaconStartsAVisitAtTheEntranceWithItsOwnSignal) {
  auto phone = credentials_.register_phone(customer("alice"));
  ASSERT_TRUE(phone) << phone.error().message;
  auto response = scanner_.report_phone_beacon(scanner("bistro"), heard(phone->secret));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->customer_id, "alice");
  EXPECT_EQ(response->location.zone_id, "entrance");
  EXPECT_EQ(event_types(), (std::vector<EventType>{EventType::kCustomerIdentified, EventType::kCustomerEnteredStore}));
  for (const auto& e : events_.published()) EXPECT_EQ(e.signal, domain::Signal::kPhoneBeacon);
}

TEST_F(StoreScannerUseCaseTest, CustomerCodeStartsAVisitWithItsOwnSignalAndOnlyOnce) {
  auto code = credentials_.issue_entrance_code(customer("bob"));
  ASSERT_TRUE(code);
  auto response = scanner_.scan_customer_code(scanner("bistro"), {"s1", "bistro", code->code});
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->customer_id, "bob");
  for (const auto& e : events_.published()) EXPECT_EQ(e.signal, domain::Signal::kCustomerCode);

  auto replay = scanner_.scan_customer_code(scanner("bistro"), {"s2", "bistro", code->code});
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kAlreadyExists);
  auto retry = scanner_.scan_customer_code(scanner("bistro"), {"s1", "bistro", code->code});
  ASSERT_TRUE(retry) << retry.error().message;
  EXPECT_EQ(retry->event_ids, response->event_ids);
}

TEST_F(StoreScannerUseCaseTest, TwoPhonesSharingAnIdAreRefusedNotGuessed) {
  devices_.set_next_secret(std::string(32, '\x09'));
  ASSERT_TRUE(credentials_.register_phone(customer("alice")));
  ASSERT_TRUE(credentials_.register_phone(customer("mallory")));  // same secret: the same ids
  auto response = scanner_.report_phone_beacon(scanner("bistro"), heard(std::string(32, '\x09')));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(response.error().message.find("ambiguous: 2 registered phones"), std::string::npos);
  EXPECT_TRUE(events_.published().empty());
}

TEST_F(StoreScannerUseCaseTest, TheIdExpiresWithItsWindow) {
  auto phone = credentials_.register_phone(customer("alice"));
  ASSERT_TRUE(phone);
  const PhoneBeaconReport recorded = heard(phone->secret);
  clock_.advance(kPeriod * 2);  // two windows later: neither current nor a neighbour
  auto response = scanner_.report_phone_beacon(scanner("bistro"), recorded);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kNotFound);
}

TEST_F(StoreScannerUseCaseTest, AStoreWithoutAnEntranceCannotStartAVisit) {
  auto code = credentials_.issue_entrance_code(customer("carol"));
  ASSERT_TRUE(code);
  auto response = scanner_.scan_customer_code(scanner("cafe"), {"s1", "cafe", code->code});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(StoreScannerUseCaseTest, UnregisteredStoreIsNotFound) {
  auto code = credentials_.issue_entrance_code(customer("carol"));
  ASSERT_TRUE(code);
  auto response = scanner_.scan_customer_code(scanner("nowhere"), {"s1", "nowhere", code->code});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace tastesync::application
