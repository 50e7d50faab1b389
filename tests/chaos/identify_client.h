#pragma once

// The client side of the traffic: TLS channels to the instances (dev CA,
// 127.0.0.1), dev-signed tokens, the demo store's requests, and one Identify
// call with retries under the same request id.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "call_record.h"
#include "customer_id.grpc.pb.h"

namespace tastesync::chaos {

namespace v1 = ::tastesync::customer_id::v1;

inline constexpr const char* kStore = "demo-bistro";

// 127.0.0.1:port over TLS with the dev CA; reconnects within ~0.5 s of the
// server coming back (gRPC's default backoff waits up to two minutes).
// With `own_connection`, the channel does not share its connection with
// other channels to the same port (many phones, many connections).
std::shared_ptr<grpc::Channel> tls_channel(int port, bool own_connection = false);

std::string customer_token(const std::string& customer);
std::string admin_token();

// The demo store (internal/config/demo-store.yaml): minor 0 is the entrance,
// minor N is table N.
std::string zone_of_minor(unsigned minor);
v1::IdentifyRequest table_qr_request(const std::string& request_id, unsigned table);
v1::IdentifyRequest beacon_request(const std::string& request_id, unsigned loudest_minor);

// UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, CANCELLED, RESOURCE_EXHAUSTED,
// UNKNOWN: what a phone retries, with the same request id.
bool retryable(grpc::StatusCode code);

struct RetryPolicy {
  std::chrono::milliseconds attempt_deadline{2000};
  std::chrono::milliseconds give_up_after{25000};
  std::chrono::milliseconds first_backoff{50};
  std::chrono::milliseconds max_backoff{1000};
};

// Sends `request` (attempt k to instance (first_instance + k) % stubs.size()
// when `alternate`, else always first_instance) until it is answered, a
// status that is not retried comes back, the policy's budget is spent, or
// `abort` turns true. Fills the record's timing, outcome and reply fields.
// `routing_key` goes in x-routing-key, as a phone sends it (its token's
// subject): a load balancer in front keeps the customer on one instance.
void call_with_retries(const std::vector<std::unique_ptr<v1::CustomerIdentification::Stub>>& stubs, int first_instance,
                       bool alternate, const std::string& token, const std::string& routing_key,
                       const v1::IdentifyRequest& request, const RetryPolicy& policy, const std::atomic<bool>& abort,
                       CallRecord& record);

}  // namespace tastesync::chaos
