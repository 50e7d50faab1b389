// Commit -> Kafka delivery latency, measured end to end on this machine:
// Identify calls that move customers between tables commit a transition and
// its outbox rows in one PostgreSQL transaction; the server's outbox relay
// publishes the rows to an embedded Kafka (cmd/devkafka); a librdkafka
// consumer here receives them. For each event, delivery time is the
// consumer's wall clock at reception minus the event's occurred_at.
//
// occurred_at is stamped when the request is handled, just before its
// transaction commits, so the figure slightly overstates commit -> delivery;
// it also includes the consumer's own fetch wait. Both clocks are this
// machine's system clock.
//
// Why the numbers can be low at all: the relay polls the outbox only every
// 100 ms (OutboxRelayOptions::poll_interval), but a commit wakes the relay
// at once: on the same instance directly (OutboxWakeup -> OutboxRelay::wake),
// and on every instance through the commit's NOTIFY (the floor listener
// wakes its relay), so in a fleet the relay owning the store's outbox
// partition is woken wherever the commit happened. With one server, as
// here, that one relay owns all 16 partitions.

#include "delivery_latency.h"

#include <grpcpp/grpcpp.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "auth/jwt_signer.h"
#include "customer_id.grpc.pb.h"
#include "infrastructure/codec/event_codec.h"
#include "local_stack/local_stack.h"
#include "local_stack/project_files.h"
#include "local_stack/server_process.h"

namespace tastesync::bench {
namespace {

namespace v1 = ::tastesync::customer_id::v1;
using SteadyClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

using local_stack::dev_keys_dir;
using local_stack::interrupted;
using local_stack::kEventsTopic;
using local_stack::kEventsTopicPartitions;
using local_stack::read_text;
constexpr int kCallers = 4;
constexpr const char* kDemoUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
constexpr unsigned kDemoMajor = 100;
constexpr double kTargetP99Ms = 50.0;

struct Reception {
  WallClock::time_point occurred_at;
  WallClock::time_point received_at;
  std::int64_t produced_ms = -1;  // the message's CreateTime: when the relay produced it
};

// Reads every partition from the beginning and keeps each event id's first
// reception; counts redeliveries.
class LatencyConsumer {
 public:
  std::string start(const std::string& bootstrap) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string error;
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"bootstrap.servers", bootstrap},
             {"group.id", "grpc-load-delivery-latency"},  // required by the API; assign() never joins
             {"enable.auto.commit", "false"},
             {"auto.offset.reset", "earliest"},
             // A fetch returns as soon as data is there; this only bounds an
             // idle fetch.
             {"fetch.wait.max.ms", "5"},
             {"log_level", "3"}}) {
      if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) return "consumer " + name + ": " + error;
    }
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer_) return "consumer: " + error;
    std::vector<RdKafka::TopicPartition*> assignment;
    for (int p = 0; p < kEventsTopicPartitions; ++p) {
      assignment.push_back(RdKafka::TopicPartition::create(kEventsTopic, p, RdKafka::Topic::OFFSET_BEGINNING));
    }
    const RdKafka::ErrorCode assigned = consumer_->assign(assignment);
    RdKafka::TopicPartition::destroy(assignment);
    if (assigned != RdKafka::ERR_NO_ERROR) return "assign: " + RdKafka::err2str(assigned);
    thread_ = std::thread([this] { run(); });
    return "";
  }

  ~LatencyConsumer() { stop(); }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (consumer_) {
      consumer_->close();
      consumer_.reset();
    }
  }

  // How many of `ids` have arrived.
  std::size_t arrived(const std::set<std::string>& ids) {
    std::scoped_lock lock(mutex_);
    std::size_t count = 0;
    for (const std::string& id : ids) count += first_.contains(id) ? 1 : 0;
    return count;
  }

  std::map<std::string, Reception> receptions() {
    std::scoped_lock lock(mutex_);
    return first_;
  }
  std::uint64_t duplicates() const { return duplicates_.load(); }
  std::uint64_t undecodable() const { return undecodable_.load(); }

 private:
  void run() {
    while (!stopping_.load()) {
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(20));
      if (!message || message->err() != RdKafka::ERR_NO_ERROR) continue;
      const WallClock::time_point received = WallClock::now();
      auto event = infrastructure::codec::decode_event(
          std::string(static_cast<const char*>(message->payload()), message->len()));
      if (!event) {
        ++undecodable_;
        continue;
      }
      const RdKafka::MessageTimestamp stamp = message->timestamp();
      std::scoped_lock lock(mutex_);
      const bool first =
          first_
              .try_emplace(
                  event->event_id,
                  Reception{event->occurred_at, received,
                            stamp.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME ? stamp.timestamp : -1})
              .second;
      if (!first) ++duplicates_;
    }
  }

  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, Reception> first_;
  std::atomic<std::uint64_t> duplicates_{0};
  std::atomic<std::uint64_t> undecodable_{0};
};

// What the callers share; merged after they stop.
struct StreamResult {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  std::uint64_t transitions = 0;
  std::string first_error;
  std::set<std::string> measured_ids;  // events of calls started inside the window
  std::set<std::string> all_ids;
  // Identify round trips (client side) of calls in the window that moved
  // someone: the transition-causing latency, PostgreSQL commit included.
  std::vector<double> transition_call_ms;
};

void add_sightings(v1::IdentifyRequest& request, unsigned strongest) {
  for (unsigned minor = 0; minor <= 4; ++minor) {
    auto* sighting = request.mutable_beacons()->add_sightings();
    sighting->set_uuid(kDemoUuid);
    sighting->set_major(kDemoMajor);
    sighting->set_minor(minor);
    sighting->set_rssi(minor == strongest ? -50 : -85);
  }
}

// One caller thread: open-loop at `per_second`, its customers in turn, each
// alternating between two tables so that about every other call moves
// someone (the resolver wants a sighting or two of evidence per move).
void call_stream(int caller, int port, const std::string& ca_pem, const std::vector<std::string>& bearers,
                 double per_second, SteadyClock::time_point window_start, SteadyClock::time_point end,
                 StreamResult& result) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");  // the dev certificate's name; the server binds 127.0.0.1
  args.SetInt("bench.delivery.caller", caller);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl), args);
  auto stub = v1::CustomerIdentification::NewStub(channel);

  std::vector<std::size_t> mine;
  for (std::size_t c = static_cast<std::size_t>(caller); c < bearers.size(); c += kCallers) mine.push_back(c);
  if (mine.empty()) return;
  std::vector<unsigned> target(bearers.size());
  for (std::size_t c : mine) target[c] = static_cast<unsigned>(c % 4) + 1;

  const auto interval =
      std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / per_second));
  auto next = SteadyClock::now();
  std::uint64_t sequence = 0;
  for (std::size_t turn = 0; SteadyClock::now() < end && !interrupted(); ++turn) {
    std::this_thread::sleep_until(next);
    next += interval;
    const std::size_t customer = mine[turn % mine.size()];
    v1::IdentifyRequest request;
    request.set_request_id("delivery-" + std::to_string(caller) + "-" + std::to_string(++sequence));
    add_sightings(request, target[customer]);
    v1::IdentifyResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", bearers[customer]);
    context.set_deadline(WallClock::now() + std::chrono::seconds(10));
    const auto sent = SteadyClock::now();
    const bool measured = sent >= window_start;
    const grpc::Status status = stub->Identify(&context, request, &response);
    const double call_ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent).count();
    ++result.calls;
    if (!status.ok()) {
      if (result.errors++ == 0) result.first_error = status.error_message();
      continue;
    }
    if (response.location_changed()) {
      ++result.transitions;
      if (measured) result.transition_call_ms.push_back(call_ms);
    }
    for (const std::string& id : response.event_ids()) {
      result.all_ids.insert(id);
      if (measured) result.measured_ids.insert(id);
    }
    if (response.location().zone_id() == "table-" + std::to_string(target[customer])) {
      // Arrived: head for the other table of the customer's pair.
      const unsigned home = static_cast<unsigned>(customer % 4) + 1;
      target[customer] = target[customer] == home ? home % 4 + 1 : home;
    }
  }
}

double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size()));
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int run_delivery_latency(const DeliveryLatencyOptions& options) {
  std::printf(
      "\ncommit -> Kafka delivery: %d Identify calls/s for %d s (after %d s warm-up), %d customers "
      "alternating tables, embedded Kafka (devkafka), one server\n",
      options.rate, options.seconds, options.warmup_seconds, options.customers);
  std::fflush(stdout);
  // The embedded Kafka alone; the server brings its own PostgreSQL and Redis.
  std::unique_ptr<local_stack::LocalStack> kafka;
  try {
    kafka = std::make_unique<local_stack::LocalStack>("delivery",
                                                      local_stack::StackParts{.postgres = false, .redis = false});
  } catch (const std::runtime_error& error) {
    std::fprintf(stderr, "grpc_load: %s\n", error.what());
    return 1;
  }
  local_stack::ServerProcess server;
  if (const std::string error =
          server.start({.kafka_brokers = kafka->kafka_bootstrap(), .extra_config = local_stack::load_test_config()});
      !error.empty()) {
    std::fprintf(stderr, "grpc_load: %s\n", error.c_str());
    return 1;
  }
  LatencyConsumer consumer;
  if (const std::string error = consumer.start(kafka->kafka_bootstrap()); !error.empty()) {
    std::fprintf(stderr, "grpc_load: kafka %s\n", error.c_str());
    return 1;
  }

  const std::string key = read_text(dev_keys_dir() / "jwt-dev-1.key");
  std::vector<std::string> bearers;
  const auto minted_at = WallClock::now();
  for (int i = 0; i < options.customers; ++i) {
    auto token = auth::mint_token(key, "dev-1", "tastesync-dev", "tastesync-customer-id",
                                  "delivery-customer-" + std::to_string(i), application::Role::kCustomer, "",
                                  std::chrono::hours(1), minted_at);
    if (!token) {
      std::fprintf(stderr, "grpc_load: cannot mint a token: %s\n", token.error().message.c_str());
      return 1;
    }
    bearers.push_back("Bearer " + *token);
  }
  const std::string ca_pem = read_text(dev_keys_dir() / "ca.crt");

  // The warm-up covers connection set-up, the producer's first metadata and
  // idempotent-producer id, and every customer's first visit (3 events).
  const auto window_start = SteadyClock::now() + std::chrono::seconds(options.warmup_seconds);
  const auto end = window_start + std::chrono::seconds(options.seconds);
  std::vector<StreamResult> results(kCallers);
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back(call_stream, c, server.port(), std::cref(ca_pem), std::cref(bearers),
                         static_cast<double>(options.rate) / kCallers, window_start, end,
                         std::ref(results[static_cast<std::size_t>(c)]));
  }
  for (auto& caller : callers) caller.join();

  StreamResult total;
  for (const StreamResult& r : results) {
    total.calls += r.calls;
    total.errors += r.errors;
    total.transitions += r.transitions;
    if (total.first_error.empty()) total.first_error = r.first_error;
    total.measured_ids.insert(r.measured_ids.begin(), r.measured_ids.end());
    total.all_ids.insert(r.all_ids.begin(), r.all_ids.end());
    total.transition_call_ms.insert(total.transition_call_ms.end(), r.transition_call_ms.begin(),
                                    r.transition_call_ms.end());
  }
  // Whatever is still on its way gets a generous, bounded while to arrive.
  const auto drain_deadline = SteadyClock::now() + std::chrono::seconds(15);
  while (consumer.arrived(total.all_ids) < total.all_ids.size() && SteadyClock::now() < drain_deadline &&
         !interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  consumer.stop();
  const auto receptions = consumer.receptions();

  std::vector<double> delivery_ms, relay_ms, kafka_ms;
  std::size_t lost = 0;
  for (const std::string& id : total.all_ids) {
    const auto found = receptions.find(id);
    if (found == receptions.end()) {
      ++lost;
      continue;
    }
    if (!total.measured_ids.contains(id)) continue;
    const Reception& r = found->second;
    delivery_ms.push_back(std::chrono::duration<double, std::milli>(r.received_at - r.occurred_at).count());
    if (r.produced_ms >= 0) {
      const auto produced = WallClock::time_point(std::chrono::milliseconds(r.produced_ms));
      relay_ms.push_back(std::chrono::duration<double, std::milli>(produced - r.occurred_at).count());
      kafka_ms.push_back(std::chrono::duration<double, std::milli>(r.received_at - produced).count());
    }
  }
  for (auto* values : {&delivery_ms, &relay_ms, &kafka_ms, &total.transition_call_ms}) {
    std::sort(values->begin(), values->end());
  }

  std::printf("  %llu calls (%.0f/s), %llu moved someone, %llu errors; %zu events, %zu in the timed window\n",
              static_cast<unsigned long long>(total.calls),
              static_cast<double>(total.calls) / (options.seconds + options.warmup_seconds),
              static_cast<unsigned long long>(total.transitions), static_cast<unsigned long long>(total.errors),
              total.all_ids.size(), total.measured_ids.size());
  std::printf("  %-34s %8s %8s %8s %8s\n", "", "count", "p50 ms", "p99 ms", "max ms");
  const auto row = [](const char* label, const std::vector<double>& values) {
    std::printf("  %-34s %8zu %8.1f %8.1f %8.1f\n", label, values.size(), percentile(values, 0.50),
                percentile(values, 0.99), values.empty() ? 0.0 : values.back());
  };
  row("Identify that moved someone", total.transition_call_ms);
  row("commit -> consumer received", delivery_ms);
  // CreateTime has millisecond resolution: these two are coarse.
  row("  of which commit -> produced", relay_ms);
  row("  of which produced -> received", kafka_ms);
  std::printf("  lost: %zu, duplicate deliveries: %llu, undecodable: %llu\n", lost,
              static_cast<unsigned long long>(consumer.duplicates()),
              static_cast<unsigned long long>(consumer.undecodable()));
  std::printf("commit->Kafka delivery p99: %.1f ms (target < %.0f ms)\n", percentile(delivery_ms, 0.99), kTargetP99Ms);

  std::vector<std::string> failures;
  if (total.errors > 0)
    failures.push_back("delivery stream: " + std::to_string(total.errors) +
                       " Identify calls failed; first: " + total.first_error);
  if (lost > 0) failures.push_back("delivery stream: " + std::to_string(lost) + " events never reached Kafka");
  if (delivery_ms.empty()) failures.push_back("delivery stream: no event delivered in the timed window");
  const int exit_code = server.stop();
  if (exit_code != 0)
    failures.push_back("the delivery-stream server did not exit cleanly (status " + std::to_string(exit_code) + ")");
  for (const std::string& failure : failures) std::printf("FAILED: %s\n", failure.c_str());
  return failures.empty() ? 0 : 1;
}

}  // namespace tastesync::bench
