// Three instances behind HAProxy with the project's own configuration
// (deploy/haproxy/haproxy.cfg): a customer's calls reach one instance while it
// is healthy (consistent hashing on x-routing-key), over gRPC and HTTPS; when
// that instance is killed, its customers move to the others and every call is
// still answered, with no answer given twice differently.

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "integration/haproxy.h"
#include "integration/https_client.h"
#include "integration/local_servers.h"
#include "integration/server_fixture.h"

namespace tastesync::testing {
namespace {

// Which instance (index) logged each customer's moves.
std::map<std::string, std::set<int>> served_by(const std::vector<std::unique_ptr<RunningServer>>& instances,
                                               const std::string& prefix) {
  std::map<std::string, std::set<int>> served;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    std::ifstream log(instances[i]->work_dir() / "server.log");
    std::string line;
    while (std::getline(log, line)) {
      const auto entry = nlohmann::json::parse(line, nullptr, false);
      if (!entry.is_object() || entry.value("event", "") != "identify.moved") continue;
      const std::string customer = entry.value("customer_id", "");
      if (customer.starts_with(prefix)) served[customer].insert(static_cast<int>(i));
    }
  }
  return served;
}

// Which instance (index) logged the move of `request_id`; -1 when none did.
int served_request(const std::vector<std::unique_ptr<RunningServer>>& instances, const std::string& request_id) {
  for (std::size_t i = 0; i < instances.size(); ++i) {
    std::ifstream log(instances[i]->work_dir() / "server.log");
    std::string line;
    while (std::getline(log, line)) {
      const auto entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("event", "") == "identify.moved" &&
          entry.value("request_id", "") == request_id) {
        return static_cast<int>(i);
      }
    }
  }
  return -1;
}

class LoadBalancerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_server_dir("load-balancer");
    for (int i = 0; i < 3; ++i) instances_.push_back(std::make_unique<RunningServer>());
    std::vector<HaProxyBackend> backends;
    for (const auto& instance : instances_) backends.push_back({instance->port(), instance->http_port()});
    proxy_ = std::make_unique<HaProxy>(source_dir(), dev_keys_dir(), backends, dir_);
    ASSERT_TRUE(proxy_->started()) << "haproxy (scripts/deps.sh installs it)";
    // Listening, and its health checks have seen the instances (rise 2 x 500 ms).
    HttpsClient probe(proxy_->https_port());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (probe.get("/v1/stores/demo-bistro/presence", token_for("lb-admin", application::Role::kAdmin)).status !=
           200) {
      ASSERT_LT(std::chrono::steady_clock::now(), until) << "the proxy did not come up";
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = read_text(dev_keys_dir() / "ca.crt");
    channel_ = grpc::CreateChannel("localhost:" + std::to_string(proxy_->grpc_port()), grpc::SslCredentials(ssl));
    stub_ = v1::CustomerIdentification::NewStub(channel_);
  }
  void TearDown() override {
    proxy_.reset();
    if (HasFailure()) std::cerr << "haproxy's log:\n" << read_text(dir_ / "haproxy.log");
    instances_.clear();
    std::filesystem::remove_all(dir_);
  }

  // One table scan through the proxy, retried with the same request id while
  // the proxy or an instance is unavailable (as a client should).
  grpc::Status seat(const std::string& customer, int table, const std::string& request_id,
                    v1::IdentifyResponse& response) {
    grpc::Status status;
    for (int attempt = 0; attempt < 20; ++attempt) {
      v1::IdentifyRequest request;
      request.set_request_id(request_id);
      request.set_table_qr(signed_table_qr("demo-bistro", "table-" + std::to_string(table)));
      auto context = authorized(token_for(customer));
      context->AddMetadata("x-routing-key", customer);
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
      response.Clear();
      status = stub_->Identify(context.get(), request, &response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
          status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return status;
  }

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<RunningServer>> instances_;
  std::unique_ptr<HaProxy> proxy_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::CustomerIdentification::Stub> stub_;
};

TEST_F(LoadBalancerTest, ACustomerStaysOnOneInstanceAndMovesOnlyWhenItDies) {
  const std::string prefix = unique_customer("lb");
  constexpr int kCustomers = 24;
  constexpr int kCalls = 4;
  std::map<std::string, int> calls_made;
  for (int round = 0; round < kCalls; ++round) {
    for (int c = 0; c < kCustomers; ++c) {
      const std::string customer = prefix + "-" + std::to_string(c);
      v1::IdentifyResponse response;
      const grpc::Status status = seat(customer, 1 + round % 2, customer + "-" + std::to_string(round), response);
      ASSERT_TRUE(status.ok()) << customer << ": " << status.error_message();
      EXPECT_TRUE(response.location_changed()) << customer << " round " << round;
      ++calls_made[customer];
    }
  }
  const auto before = served_by(instances_, prefix);
  ASSERT_EQ(before.size(), static_cast<std::size_t>(kCustomers));
  std::map<int, int> per_instance;
  for (const auto& [customer, instances] : before) {
    EXPECT_EQ(instances.size(), 1u) << customer << " was served by several instances";
    ++per_instance[*instances.begin()];
  }
  EXPECT_GE(per_instance.size(), 2u) << "the customers were spread over the instances";

  // The same over HTTPS: the gateway port behind the proxy, the same key.
  {
    const std::string customer = prefix + "-0";
    HttpsClient client(proxy_->https_port());
    nlohmann::json body = {{"requestId", customer + "-https"}, {"tableQr", signed_table_qr("demo-bistro", "table-3")}};
    const HttpAnswer answer =
        client.request("POST", "/v1/identify", body.dump(), token_for(customer), {"x-routing-key: " + customer});
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(served_by(instances_, prefix)[customer], before.at(customer)) << "HTTPS went elsewhere";
    const HttpAnswer operations = client.get("/metrics");
    EXPECT_EQ(operations.status, 404) << "operations endpoints are not published through the proxy";
  }

  // Kill -9 the busiest instance. Until the proxy's health check has seen
  // it gone (fall 2 x inter 500 ms), a call for it is redispatched to any
  // survivor; every call is answered all the same.
  const int victim = std::max_element(per_instance.begin(), per_instance.end(), [](const auto& a, const auto& b) {
                       return a.second < b.second;
                     })->first;
  kill(instances_[static_cast<std::size_t>(victim)]->pid(), SIGKILL);
  const auto move_everyone = [&](int round) {
    for (int c = 0; c < kCustomers; ++c) {
      const std::string customer = prefix + "-" + std::to_string(c);
      v1::IdentifyResponse response;
      const grpc::Status status = seat(customer, 1 + round % 2, customer + "-" + std::to_string(round), response);
      ASSERT_TRUE(status.ok()) << customer << " after the kill: " << status.error_message();
      EXPECT_EQ(response.location().zone_id(), "table-" + std::to_string(1 + round % 2)) << customer;
    }
  };
  move_everyone(kCalls);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the health check's verdict, not a timing assertion
  move_everyone(kCalls + 1);
  move_everyone(kCalls + 2);

  // Once the verdict is in: the customers of the survivors never moved, and
  // each of the victim's customers is on one survivor for its last two calls.
  const auto after = served_by(instances_, prefix);
  for (const auto& [customer, instances] : before) {
    if (*instances.begin() != victim) {
      EXPECT_EQ(after.at(customer), instances) << customer << " was not on the killed instance and stays put";
      continue;
    }
    const int second_last = served_request(instances_, customer + "-" + std::to_string(kCalls + 1));
    const int last = served_request(instances_, customer + "-" + std::to_string(kCalls + 2));
    EXPECT_NE(last, victim) << customer;
    EXPECT_GE(last, 0) << customer;
    EXPECT_EQ(second_last, last) << customer << " settled on one survivor";
  }
}

}  // namespace
}  // namespace tastesync::testing
