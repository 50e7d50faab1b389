#include "overload.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>

#include "identify_client.h"

namespace tastesync::chaos {
namespace {

struct Call {
  std::size_t customer = 0;
  grpc::ClientContext context;
  v1::IdentifyResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::IdentifyResponse>> reader;
  std::chrono::steady_clock::time_point started;
  CallRecord record;
};

using Clock = std::chrono::steady_clock;
using Due = std::pair<Clock::time_point, std::size_t>;  // when, customer

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

LoadStats run_load(int port, const OverloadOptions& options) {
  std::vector<std::unique_ptr<v1::CustomerIdentification::Stub>> stubs;
  for (int i = 0; i < std::max(1, options.connections); ++i) {
    stubs.push_back(v1::CustomerIdentification::NewStub(tls_channel(port, true)));
  }
  LoadStats stats;
  const auto callers = static_cast<std::size_t>(options.callers);
  stats.logs.resize(callers);
  std::vector<std::string> tokens;
  std::vector<int> steps(callers, 0);
  for (std::size_t c = 0; c < callers; ++c) {
    stats.logs[c].customer_id = options.customer_prefix + "-" + std::to_string(c);
    tokens.push_back(customer_token(stats.logs[c].customer_id));
  }

  grpc::CompletionQueue queue;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> due;
  const auto begin = Clock::now();
  const auto end = begin + options.duration;
  // Start spread over 200 ms rather than all in one instant.
  for (std::size_t c = 0; c < callers; ++c) {
    due.emplace(begin + std::chrono::microseconds(200'000 * c / callers), c);
  }
  std::vector<double> latencies_ms;
  std::size_t in_flight = 0;
  auto send = [&](std::size_t customer) {
    auto* call = new Call;
    call->customer = customer;
    const int step = steps[customer]++;
    const auto table_a = static_cast<unsigned>(1 + customer % 4);
    const auto table_b = static_cast<unsigned>(1 + (customer + 2) % 4);
    call->record.request_id = stats.logs[customer].customer_id + "-" + std::to_string(step);
    call->record.table_qr = true;
    call->record.target_minor = step % 2 == 0 ? table_a : table_b;
    call->record.target_zone = zone_of_minor(call->record.target_minor);
    call->record.attempts = 1;
    call->record.sent_us = now_us();
    call->context.AddMetadata("authorization", "Bearer " + tokens[customer]);
    call->context.set_deadline(std::chrono::system_clock::now() + options.deadline);
    call->started = Clock::now();
    const auto request = table_qr_request(call->record.request_id, call->record.target_minor);
    call->reader = stubs[customer % stubs.size()]->AsyncIdentify(&call->context, request, &queue);
    call->reader->Finish(&call->response, &call->status, call);
    ++stats.sent;
    ++in_flight;
  };

  while (true) {
    const auto now = Clock::now();
    while (!due.empty() && due.top().first <= now && now < end) {
      const std::size_t customer = due.top().second;
      due.pop();
      send(customer);
    }
    if (now >= end && in_flight == 0) break;
    const auto wake = due.empty() || now >= end ? now + std::chrono::milliseconds(50)
                                                : std::min(due.top().first, now + std::chrono::milliseconds(50));
    void* tag = nullptr;
    bool ok = false;
    const auto next = queue.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + (wake - Clock::now()));
    if (next != grpc::CompletionQueue::GOT_EVENT) continue;
    std::unique_ptr<Call> call(static_cast<Call*>(tag));
    --in_flight;
    CallRecord& record = call->record;
    record.finished_us = now_us();
    record.last_code = call->status.error_code();
    record.last_message = call->status.error_message();
    auto pause = std::chrono::milliseconds(0);
    switch (call->status.error_code()) {
      case grpc::StatusCode::OK:
        ++stats.answered;
        record.outcome = Outcome::kAnswered;
        record.answered_by = 0;
        record.zone = call->response.location().zone_id();
        record.changed = call->response.location_changed();
        record.event_ids.assign(call->response.event_ids().begin(), call->response.event_ids().end());
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - call->started).count());
        break;
      case grpc::StatusCode::UNAVAILABLE:
      case grpc::StatusCode::RESOURCE_EXHAUSTED:
        ++stats.refused;
        record.outcome = Outcome::kGaveUp;
        pause = options.failure_pause;
        break;
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        ++stats.deadline_exceeded;
        record.outcome = Outcome::kGaveUp;
        pause = options.failure_pause;
        break;
      case grpc::StatusCode::CANCELLED:
        ++stats.cancelled;
        record.outcome = Outcome::kGaveUp;
        pause = options.failure_pause;
        break;
      default:
        ++stats.other;
        record.outcome = Outcome::kFailed;
        pause = options.failure_pause;
        break;
    }
    stats.logs[call->customer].calls.push_back(std::move(record));
    if (Clock::now() < end) due.emplace(Clock::now() + pause, call->customer);
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) delete static_cast<Call*>(tag);
  stats.p50_ms = percentile(latencies_ms, 0.50);
  stats.p99_ms = percentile(latencies_ms, 0.99);
  return stats;
}

ServerTimes server_times(const std::filesystem::path& log, const std::string& customer_prefix) {
  std::ifstream in(log);
  std::vector<double> ms;
  const std::string prefix = customer_prefix + "-";
  std::string line;
  while (std::getline(in, line)) {
    const auto entry = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!entry.is_object() || entry.value("event", "") != "identify.moved") continue;
    const std::string customer = entry.value("customer_id", "");
    // "overload-10x-7", not "overload-10x-calm-7".
    if (!customer.starts_with(prefix) || customer.size() == prefix.size() ||
        std::isdigit(static_cast<unsigned char>(customer[prefix.size()])) == 0) {
      continue;
    }
    if (entry.contains("ms") && entry["ms"].is_number()) ms.push_back(entry["ms"].get<double>());
  }
  ServerTimes times;
  times.calls = static_cast<int>(ms.size());
  times.p50_ms = percentile(ms, 0.50);
  times.p99_ms = percentile(ms, 0.99);
  return times;
}

}  // namespace tastesync::chaos
