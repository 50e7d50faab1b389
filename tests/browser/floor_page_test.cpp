// The floor page in a real browser: starts the real server (real PostgreSQL,
// Redis and the embedded Kafka, as the integration tests do), registers a
// customer with a phone and an e-mail, starts a second instance, then runs floor_page.mjs, which drives
// Debian's chromium through playwright-core (package.json; scripts/deps.sh installs both).

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "admin.grpc.pb.h"
#include "browser/node_process.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

using application::Role;

// The page must never show these: only the display name leaves the directory.
constexpr const char* kPhone = "+33612345678";
constexpr const char* kEmail = "alice.martin@example.com";

void register_customer(const RunningServer& server, const std::string& id, const std::string& name) {
  auto stub = customer_id::v1::Admin::NewStub(server.channel());
  customer_id::v1::RegisterCustomerRequest request;
  request.set_customer_id(id);
  request.set_display_name(name);
  request.set_phone(kPhone);
  request.set_email(kEmail);
  customer_id::v1::RegisterCustomerResponse response;
  auto context = authorized(token_for("floor-test-admin", Role::kAdmin));
  const grpc::Status status = stub->RegisterCustomer(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

TEST(FloorPage, StaffFollowTheirStoreLiveInChromium) {
  // 50 moves of one customer within seconds: the abuse limit would refuse them.
  ServerOptions options;
  options.extra_config = "rate_limit:\n  customer_per_second: 0\n";
  RunningServer server(options);
  // A second instance on the same ledger: the timed moves are identified
  // there too, as behind a load balancer, while the page stays on the first.
  RunningServer other_instance(options);
  const std::string alice = unique_customer("alice");
  const std::string bob = unique_customer("bob");
  register_customer(server, alice, "Alice Martin");
  register_customer(server, bob, "Bob Chen");
  const std::string cara = unique_customer("cara");  // never registered: the page shows "Guest"

  std::vector<std::string> variables{
      "FLOOR_URL=https://127.0.0.1:" + std::to_string(server.http_port()),
      "OTHER_INSTANCE_URL=https://127.0.0.1:" + std::to_string(other_instance.http_port()),
      "NODE_EXTRA_CA_CERTS=" + (dev_keys_dir() / "ca.crt").string(),
      "STAFF_TOKEN=" + token_for("floor-test-waiter", Role::kStaff, "demo-bistro"),
      "OTHER_STAFF_TOKEN=" + token_for("floor-test-rival", Role::kStaff, "rival-grill"),
      "ADMIN_TOKEN=" + token_for("floor-test-admin", Role::kAdmin),
      "ALICE=" + alice,
      "ALICE_TOKEN=" + token_for(alice),
      "BOB=" + bob,
      "BOB_TOKEN=" + token_for(bob),
      "CARA=" + cara,
      "CARA_TOKEN=" + token_for(cara),
      "PHONE=" + std::string(kPhone),
      "EMAIL=" + std::string(kEmail),
  };
  for (int table = 1; table <= 4; ++table) {
    variables.push_back("QR_TABLE_" + std::to_string(table) + "=" +
                        signed_table_qr("demo-bistro", "table-" + std::to_string(table)));
  }
  const std::string script = (source_dir() / "tests/browser/floor_page.mjs").string();
  EXPECT_EQ(run_node({"node", script}, variables), 0) << "floor_page.mjs failed; its output is above";
}

}  // namespace
}  // namespace tastesync::testing
