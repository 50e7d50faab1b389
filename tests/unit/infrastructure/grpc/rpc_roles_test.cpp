// Who may call what, through the real gRPC adapters in-process: every RPC of
// every service is called with a token of every role, and the answer must be
// the role table's (rpc_roles.h). The expected matrix is written out here on
// its own, so a change to the table must be made twice, on purpose.

#include "infrastructure/grpc/rpc_roles.h"

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "infrastructure/crypto/table_qr_codec.h"
#include "infrastructure/grpc/admin_service.h"
#include "infrastructure/grpc/grpc_server.h"
#include "infrastructure/grpc/identification_service.h"
#include "infrastructure/grpc/store_scanner_service.h"
#include "infrastructure/qr/qr_png.h"
#include "mocks/fake_tokens.h"
#include "mocks/in_memory_ports.h"
#include "mocks/in_memory_registry_admin.h"
#include "support/grpc_released_at_exit.h"

namespace tastesync::infrastructure::grpc_adapter {
namespace {

using application::Principal;
using application::Role;

constexpr Role kAllRoles[] = {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService};

// Expected: RPC -> the roles that get past the gate. Add the rows of a new
// service here and in rpc_table.cpp.
const std::map<std::string, std::set<Role>>& expected_matrix() {
  static const std::map<std::string, std::set<Role>> matrix = {
      {"/tastesync.customer_id.v1.CustomerIdentification/Identify", {Role::kCustomer}},
      {"/tastesync.customer_id.v1.Baseline/Noop",
       {Role::kCustomer, Role::kScanner, Role::kStaff, Role::kAdmin, Role::kService}},
      {"/tastesync.customer_id.v1.Admin/CreateStore", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/AddZone", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/UpdateZone", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/RegisterBeacon", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/RetireBeacon", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/RegisterCustomer", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/IssueTableQr", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.Admin/GetStorePresence", {Role::kAdmin, Role::kStaff}},
      {"/tastesync.customer_id.v1.Admin/GetStoreFloor", {Role::kAdmin, Role::kStaff}},
      {"/tastesync.customer_id.v1.Admin/GetStoreAnalytics", {Role::kAdmin, Role::kStaff}},
      {"/tastesync.customer_id.v1.Admin/RecordCalibration", {Role::kAdmin, Role::kStaff}},
      {"/tastesync.customer_id.v1.Admin/GetCalibrationReport", {Role::kAdmin, Role::kStaff}},
      {"/tastesync.customer_id.v1.Admin/ListCustomerVisits", {Role::kAdmin, Role::kService, Role::kCustomer}},
      {"/tastesync.customer_id.v1.Admin/ImportFingerprints", {Role::kAdmin}},
      {"/tastesync.customer_id.v1.StoreScanner/ReportPhoneBeacon", {Role::kScanner}},
      {"/tastesync.customer_id.v1.StoreScanner/ScanCustomerCode", {Role::kScanner}},
      {"/tastesync.customer_id.v1.CustomerCredentials/RegisterPhone", {Role::kCustomer}},
      {"/tastesync.customer_id.v1.CustomerCredentials/IssueEntranceCode", {Role::kCustomer}},
  };
  return matrix;
}

// Every RPC our protos declare, from the compiled-in descriptors, so a new
// RPC cannot be added without a decision about its roles.
std::vector<std::string> declared_rpcs() {
  std::vector<std::string> names;
  for (const char* file : {"customer_id.proto", "admin.proto", "store_scanner.proto"}) {
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(file);
    if (descriptor == nullptr) continue;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const auto* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        names.push_back("/" + service->full_name() + "/" + service->method(m)->name());
      }
    }
  }
  return names;
}

// Past the gate, Identify answers this; what matters is that it was reached.
class ReachedIdentify final : public application::IdentifyCustomerPort {
 public:
  domain::Result<application::IdentifyResponse> identify(const Principal&,
                                                         const application::IdentifyRequest&) override {
    return domain::fail(domain::ErrorCode::kFailedPrecondition, "reached the use case");
  }
};

// Past the gate, the scanner and credential RPCs answer this.
class ReachedScanner final : public application::StoreScannerPort, public application::CustomerCredentialsPort {
 public:
  domain::Result<application::IdentifyResponse> report_phone_beacon(const Principal&,
                                                                    const application::PhoneBeaconReport&) override {
    return reached();
  }
  domain::Result<application::IdentifyResponse> scan_customer_code(const Principal&,
                                                                   const application::CustomerCodeScan&) override {
    return reached();
  }
  domain::Result<application::RegisteredPhone> register_phone(const Principal&) override { return reached(); }
  domain::Result<application::IssuedCustomerCode> issue_entrance_code(const Principal&) override { return reached(); }

 private:
  static std::unexpected<domain::Error> reached() {
    return std::unexpected(domain::Error{domain::ErrorCode::kFailedPrecondition, "reached the use case", {}});
  }
};

TEST(RpcRolesTest, EveryDeclaredRpcHasARowAndEveryRowAnRpc) {
  const auto declared = declared_rpcs();
  ASSERT_FALSE(declared.empty());
  for (const auto& name : declared) {
    EXPECT_TRUE(rpc_roles().contains(name)) << name << " has no row in rpc_roles()";
    EXPECT_TRUE(expected_matrix().contains(name)) << name << " has no row in this test's matrix";
  }
  for (const auto& [name, roles] : rpc_roles()) {
    EXPECT_NE(std::find(declared.begin(), declared.end(), std::string(name)), declared.end())
        << name << " is in the table but no proto declares it";
  }
}

TEST(RpcRolesTest, TableMatchesTheExpectedMatrix) {
  for (const auto& [name, allowed] : expected_matrix()) {
    for (const Role role : kAllRoles) {
      const auto result = authorize(Principal{"caller", role, "bistro", {}, {}}, name);
      EXPECT_EQ(result.has_value(), allowed.contains(role)) << name << " as " << application::to_string(role);
      if (!result) {
        EXPECT_EQ(result.error().code, domain::ErrorCode::kPermissionDenied);
      }
    }
  }
  EXPECT_FALSE(authorize(Principal{"caller", Role::kAdmin, "", {}, {}}, "/tastesync.customer_id.v1.Admin/Unknown"));
}

class RpcRolesOverGrpcTest : public ::testing::Test {
 protected:
  RpcRolesOverGrpcTest()
      : registry_(*domain::FloorPlan::build({}, {})),
        registry_admin_(registry_),
        codec_(HmacKeyRing({{"qr-1", std::string(32, '\x11')}}, "qr-1")),
        admin_(registry_admin_, registry_, customers_, ledger_, codec_, png_),
        uses_{.identify = &identify_, .admin = &admin_, .scanner = &scanner_, .credentials = &scanner_},
        admin_service_(uses_, gate_),
        identification_(uses_, gate_),
        baseline_(uses_, gate_),
        scanner_service_(uses_, gate_),
        credentials_service_(uses_, gate_) {}

  void SetUp() override {
    GrpcServerOptions options;
    options.listen = "127.0.0.1:0";
    options.tls.enabled = false;
    auto running = start_grpc_server(
        options, {&admin_service_, &identification_, &baseline_, &scanner_service_, &credentials_service_});
    ASSERT_TRUE(running.has_value()) << running.error().message;
    server_ = std::move(running->server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(running->port), grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // An empty request (valid protobuf for every message) as `role`.
  grpc::Status call(const std::string& method, Role role) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    context.AddMetadata("authorization", std::string("Bearer ") + application::to_string(role));
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    // Zero bytes: a valid encoding of every message with all fields unset.
    grpc::Slice empty(std::string{});
    grpc::ByteBuffer request(&empty, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) { done.set_value(std::move(status)); });
    return done.get_future().get();
  }

  testing::InMemoryBeaconRegistry registry_;
  testing::InMemoryRegistryAdmin registry_admin_;
  testing::InMemoryCustomerDirectory customers_;
  testing::InMemoryVisitLedger ledger_;
  HmacTableQrCodec codec_;
  QrPngRenderer png_;
  testing::FakeTokens tokens_ = testing::FakeTokens::one_per_role(kAllRoles, "bistro");
  ReachedIdentify identify_;
  application::AdminUseCases admin_;
  ReachedScanner scanner_;
  RpcUseCases uses_;
  RpcGate gate_{.tokens = tokens_};
  AdminGrpcService admin_service_;
  IdentificationGrpcService identification_;
  BaselineGrpcService baseline_;
  StoreScannerGrpcService scanner_service_;
  CustomerCredentialsGrpcService credentials_service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(RpcRolesOverGrpcTest, EveryRpcTimesEveryRoleGetsTheTablesAnswer) {
  int calls = 0;
  for (const auto& method : declared_rpcs()) {
    const auto expected = expected_matrix().find(method);
    ASSERT_NE(expected, expected_matrix().end()) << method;
    for (const Role role : kAllRoles) {
      const grpc::Status status = call(method, role);
      ++calls;
      const bool denied_by_table = status.error_code() == grpc::StatusCode::PERMISSION_DENIED &&
                                   status.error_message().find("does not accept role") != std::string::npos;
      EXPECT_EQ(denied_by_table, !expected->second.contains(role))
          << method << " as " << application::to_string(role) << ": " << status.error_code() << " "
          << status.error_message();
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << method;
    }
  }
  EXPECT_EQ(calls, 20 * 5);
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
