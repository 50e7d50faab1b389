#include "settle.h"

#include <thread>

#include "admin.grpc.pb.h"
#include "identify_client.h"
#include "integration/event_consumer.h"
#include "ledger_audit.h"

namespace tastesync::chaos {

std::set<std::string> consume_events(const std::string& bootstrap, const std::string& postgres_url,
                                     const std::set<std::string>& expected, std::chrono::seconds stall) {
  testing::EventConsumer consumer(bootstrap);
  std::set<std::string> consumed;
  std::size_t scanned = 0;
  std::size_t missing = expected.size();
  auto last_arrival = std::chrono::steady_clock::now();
  auto next_outbox_check = last_arrival;
  bool outbox_empty = false;
  // A backlog (after the broker came back, after an overload) may take a
  // while: keep reading as long as events keep arriving.
  consumer.poll_until(
      [&] {
        const auto& events = consumer.all();
        const auto now = std::chrono::steady_clock::now();
        if (scanned < events.size()) last_arrival = now;
        for (; scanned < events.size(); ++scanned) {
          const std::string& id = events[scanned].event.event_id;
          if (consumed.insert(id).second && expected.contains(id)) --missing;
        }
        if (missing == 0) return true;
        if (now >= next_outbox_check) {
          try {
            outbox_empty = unsent_outbox_rows(postgres_url) == 0;
          } catch (const std::exception&) {
            outbox_empty = false;
          }
          next_outbox_check = now + std::chrono::seconds(1);
        }
        if (outbox_empty && now - last_arrival > std::chrono::seconds(2)) return true;
        return now - last_arrival > stall;
      },
      std::chrono::minutes(3));
  return consumed;
}

std::set<std::string> present_customers(const std::string& postgres_url,
                                        const std::shared_ptr<grpc::Channel>& channel) {
  std::set<std::string> present;
  try {
    present = customers_with_open_visits(postgres_url);
  } catch (const std::exception&) {
    present.insert("(the ledger could not be read)");
  }
  static const std::string token = admin_token();
  auto admin = customer_id::v1::Admin::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  customer_id::v1::GetStorePresenceRequest request;
  request.set_store_id(kStore);
  customer_id::v1::GetStorePresenceResponse response;
  const grpc::Status status = admin->GetStorePresence(&context, request, &response);
  if (!status.ok()) {
    present.insert("(GetStorePresence failed: " + status.error_message() + ")");
  } else {
    for (const auto& customer : response.customers()) present.insert(customer.customer_id());
  }
  return present;
}

std::set<std::string> wait_for_leaves(const std::string& postgres_url, const std::shared_ptr<grpc::Channel>& channel,
                                      std::chrono::steady_clock::time_point deadline) {
  std::set<std::string> present = present_customers(postgres_url, channel);
  while (!present.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    present = present_customers(postgres_url, channel);
  }
  return present;
}

}  // namespace tastesync::chaos
