#pragma once

// Transition-causing Identify traffic: customers each alternating between
// two tables of the demo store. Each customer is one thread with one call in
// flight; calls go table QR (an immediate transition), then a beacon report
// loudest at that same table (normally "nothing moved"), then the other
// table's QR, and so on. Failed calls are retried under the same request id
// (identify_client.h); some answered calls are sent again at once (a phone
// that never saw the reply), and replay_answered() re-sends answered calls
// once the fault is over.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "call_record.h"
#include "identify_client.h"

namespace tastesync::chaos {

struct TrafficOptions {
  int customers = 60;
  std::string customer_prefix = "chaos";
  // Pause between a customer's calls (plus up to half of it, at random).
  std::chrono::milliseconds think{250};
  // One answered call in this many is sent again at once (0: never).
  int resend_one_in = 5;
  // One customer in this many stops calling when leave_now() is called (the
  // fault starts): they left, and must be seen leaving (0: nobody).
  int leaver_one_in = 6;
  // Each customer's calls (and the attempts of a call) alternate between
  // the instances; otherwise all go to instance 0.
  bool alternate_instances = false;
  RetryPolicy retry;
};

class CustomerTraffic {
 public:
  // One channel per instance, index = instance number.
  CustomerTraffic(const std::vector<std::shared_ptr<grpc::Channel>>& channels, TrafficOptions options);
  ~CustomerTraffic();
  CustomerTraffic(const CustomerTraffic&) = delete;
  CustomerTraffic& operator=(const CustomerTraffic&) = delete;

  void start();
  // The leavers finish the call they are making and call no more.
  void leave_now() { leavers_gone_ = true; }
  // Whether customer `index` is one of the leavers.
  bool leaver(std::size_t index) const;
  // Each customer finishes the call it is making (with its retries), then stops.
  void stop();
  // After stop(): each customer but the leavers re-sends, to another
  // instance when there are two, every answered call that needed retries, its last answered table
  // scan from before `fault_started_us` and its last one answered in
  // [fault_started_us, fault_ended_us + 1 s]; they must get their first
  // answers back and change nothing.
  void replay_answered(std::int64_t fault_started_us, std::int64_t fault_ended_us);

  // Calls completed so far (answered or not), for progress lines.
  std::uint64_t completed() const { return completed_.load(); }
  std::uint64_t answered() const { return answered_.load(); }
  // After stop().
  const std::vector<CustomerLog>& logs() const { return logs_; }

 private:
  void run_customer(std::size_t index);
  void replay(std::size_t index, std::size_t call, CallRecord& into);

  TrafficOptions options_;
  std::vector<std::unique_ptr<v1::CustomerIdentification::Stub>> stubs_;
  std::vector<CustomerLog> logs_;
  std::vector<std::string> tokens_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> leavers_gone_{false};
  std::atomic<bool> abort_{false};  // stop retrying (only when destroyed early)
  std::atomic<std::uint64_t> completed_{0};
  std::atomic<std::uint64_t> answered_{0};
};

}  // namespace tastesync::chaos
