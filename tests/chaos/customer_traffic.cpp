#include "customer_traffic.h"

#include <algorithm>
#include <random>

namespace tastesync::chaos {

CustomerTraffic::CustomerTraffic(const std::vector<std::shared_ptr<grpc::Channel>>& channels, TrafficOptions options)
    : options_(std::move(options)) {
  for (const auto& channel : channels) stubs_.push_back(v1::CustomerIdentification::NewStub(channel));
  logs_.resize(static_cast<std::size_t>(options_.customers));
  for (std::size_t i = 0; i < logs_.size(); ++i) {
    logs_[i].customer_id = options_.customer_prefix + "-" + std::to_string(i);
    tokens_.push_back(customer_token(logs_[i].customer_id));
  }
}

CustomerTraffic::~CustomerTraffic() {
  abort_ = true;  // an interrupted suite does not wait for every retry budget
  stop();
}

void CustomerTraffic::start() {
  stopping_ = false;
  for (std::size_t i = 0; i < logs_.size(); ++i) threads_.emplace_back([this, i] { run_customer(i); });
}

void CustomerTraffic::stop() {
  stopping_ = true;
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool CustomerTraffic::leaver(std::size_t index) const {
  return options_.leaver_one_in > 0 && index % static_cast<std::size_t>(options_.leaver_one_in) ==
                                           static_cast<std::size_t>(options_.leaver_one_in - 1);
}

void CustomerTraffic::run_customer(std::size_t index) {
  CustomerLog& log = logs_[index];
  // Two tables two metres apart or more: 1/3, 2/4, 3/1, 4/2.
  const auto table_a = static_cast<unsigned>(1 + index % 4);
  const auto table_b = static_cast<unsigned>(1 + (index + 2) % 4);
  std::mt19937 random(static_cast<std::mt19937::result_type>(index * 7919 + 17));
  const int instances = static_cast<int>(stubs_.size());
  const bool leaves = leaver(index);
  for (int step = 0; !stopping_.load() && !(leaves && leavers_gone_.load()); ++step) {
    CallRecord record;
    record.request_id = log.customer_id + "-" + std::to_string(step);
    record.table_qr = step % 2 == 0;
    record.target_minor = (step / 2) % 2 == 0 ? table_a : table_b;
    record.target_zone = zone_of_minor(record.target_minor);
    const auto request = record.table_qr ? table_qr_request(record.request_id, record.target_minor)
                                         : beacon_request(record.request_id, record.target_minor);
    const int first =
        options_.alternate_instances
            ? static_cast<int>((index + static_cast<std::size_t>(step)) % static_cast<std::size_t>(instances))
            : 0;
    call_with_retries(stubs_, first, options_.alternate_instances, tokens_[index], logs_[index].customer_id, request,
                      options_.retry, abort_, record);
    const bool answered = record.outcome == Outcome::kAnswered;
    log.calls.push_back(std::move(record));
    completed_.fetch_add(1);
    if (answered) answered_.fetch_add(1);
    if (answered && options_.resend_one_in > 0 && random() % static_cast<unsigned>(options_.resend_one_in) == 0) {
      CallRecord again;
      replay(index, log.calls.size() - 1, again);
      log.calls.push_back(std::move(again));
    }
    std::uniform_int_distribution<long> spread(0, options_.think.count() / 2);
    std::this_thread::sleep_for(options_.think + std::chrono::milliseconds(spread(random)));
  }
}

void CustomerTraffic::replay(std::size_t index, std::size_t call, CallRecord& into) {
  const CallRecord& original = logs_[index].calls[call];
  into.request_id = original.request_id;
  into.table_qr = original.table_qr;
  into.target_minor = original.target_minor;
  into.target_zone = original.target_zone;
  into.replay_of = static_cast<int>(call);
  const auto request = original.table_qr ? table_qr_request(original.request_id, original.target_minor)
                                         : beacon_request(original.request_id, original.target_minor);
  // Another instance than the one that answered, when there is one: a
  // load balancer does not remember where the first attempt went.
  const int instances = static_cast<int>(stubs_.size());
  const int first = (original.answered_by + 1) % instances;
  call_with_retries(stubs_, first, options_.alternate_instances, tokens_[index], logs_[index].customer_id, request,
                    options_.retry, abort_, into);
}

void CustomerTraffic::replay_answered(std::int64_t fault_started_us, std::int64_t fault_ended_us) {
  const std::int64_t window_end = fault_ended_us + 1'000'000;
  std::vector<std::thread> replayers;
  for (std::size_t i = 0; i < logs_.size(); ++i) {
    // Those who left send nothing more: a re-send would be a sighting, and
    // their leaving is checked on its own.
    if (leaver(i)) continue;
    replayers.emplace_back([this, i, fault_started_us, window_end] {
      CustomerLog& log = logs_[i];
      int before = -1;
      int during = -1;
      std::vector<std::size_t> chosen;
      const std::size_t own_calls = log.calls.size();
      for (std::size_t c = 0; c < own_calls; ++c) {
        const CallRecord& call = log.calls[c];
        if (call.replay_of >= 0 || call.outcome != Outcome::kAnswered) continue;
        // A call that needed retries is one the fault reached.
        if (call.attempts > 1) chosen.push_back(c);
        if (!call.table_qr) continue;
        if (call.finished_us < fault_started_us) before = static_cast<int>(c);
        if (call.finished_us >= fault_started_us && call.finished_us <= window_end) during = static_cast<int>(c);
      }
      for (const int call : {before, during}) {
        if (call >= 0 && std::find(chosen.begin(), chosen.end(), static_cast<std::size_t>(call)) == chosen.end()) {
          chosen.push_back(static_cast<std::size_t>(call));
        }
      }
      for (const std::size_t call : chosen) {
        CallRecord again;
        replay(i, call, again);
        log.calls.push_back(std::move(again));
      }
    });
  }
  for (std::thread& thread : replayers) thread.join();
}

}  // namespace tastesync::chaos
