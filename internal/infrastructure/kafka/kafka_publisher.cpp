#include "infrastructure/kafka/kafka_publisher.h"

#include <utility>

#include "infrastructure/codec/event_codec.h"

namespace tastesync::infrastructure::kafka {
namespace {

// One message's delivery report: its state and, once delivered, when the
// report arrived (steady clock ticks).
struct Outcome {
  std::atomic<int> state{0};  // 0 pending, 1 delivered, -1 failed
  std::atomic<std::chrono::steady_clock::rep> at{0};
};

// Where a message's delivery report lands. It shares the batch's outcome
// vector, so a report that arrives after deliver() gave up writes into live
// memory; the report callback frees the slot.
struct Slot {
  std::shared_ptr<std::vector<Outcome>> outcomes;
  std::size_t index = 0;
};

class DeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    std::unique_ptr<Slot> slot(static_cast<Slot*>(message.msg_opaque()));
    if (!slot) return;
    Outcome& outcome = (*slot->outcomes)[slot->index];
    // The time first: whoever sees the state delivered reads a set time.
    outcome.at.store(std::chrono::steady_clock::now().time_since_epoch().count());
    outcome.state.store(message.err() == RdKafka::ERR_NO_ERROR ? 1 : -1);
  }
};

DeliveryReports& reports() {
  static DeliveryReports instance;
  return instance;
}

bool set(RdKafka::Conf& conf, const std::string& name, const std::string& value, std::string& error) {
  return conf.set(name, value, error) == RdKafka::Conf::CONF_OK;
}

}  // namespace

KafkaPublisher::KafkaPublisher(KafkaPublisherOptions options)
    : options_(std::move(options)), last_success_(std::chrono::steady_clock::now().time_since_epoch().count()) {}

KafkaPublisher::~KafkaPublisher() {
  if (producer_) producer_->flush(2000);
}

domain::Result<std::unique_ptr<KafkaPublisher>> KafkaPublisher::create(const KafkaPublisherOptions& options) {
  std::unique_ptr<KafkaPublisher> publisher(new KafkaPublisher(options));
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  const bool configured =
      set(*conf, "bootstrap.servers", options.brokers, error) && set(*conf, "enable.idempotence", "true", error) &&
      set(*conf, "acks", "all", error) && set(*conf, "linger.ms", "2", error) &&
      // The key (the store) picks the partition by its hash, so a store's
      // events share one partition and keep their order there. Named, not
      // left to the default: changing it moves stores between partitions.
      set(*conf, "partitioner", "consistent_random", error) &&
      // Back within a second of the brokers returning, not librdkafka's 10 s.
      set(*conf, "reconnect.backoff.max.ms", "1000", error) &&
      set(*conf, "message.timeout.ms", std::to_string(options.message_timeout.count()), error) &&
      set(*conf, "log_level", "4", error) && conf->set("dr_cb", &reports(), error) == RdKafka::Conf::CONF_OK;
  if (!configured)
    return domain::fail(domain::ErrorCode::kInvalidArgument, "kafka configuration: " + error, "kafka.brokers");
  publisher->producer_.reset(RdKafka::Producer::create(conf.get(), error));
  if (!publisher->producer_) return domain::fail(domain::ErrorCode::kUnavailable, "kafka producer: " + error);
  return publisher;
}

std::vector<DeliveredEvent> KafkaPublisher::deliver(const std::vector<OutboundEvent>& batch,
                                                    std::chrono::milliseconds wait) {
  auto outcomes = std::make_shared<std::vector<Outcome>>(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const OutboundEvent& event = batch[i];
    RdKafka::Headers* headers = RdKafka::Headers::create();
    headers->add("event-type", event.event_type);
    headers->add("event-id", event.event_id);
    headers->add("content-type", codec::kEventContentType);
    auto slot = std::make_unique<Slot>(Slot{outcomes, i});
    const RdKafka::ErrorCode produced =
        producer_->produce(options_.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                           const_cast<char*>(event.payload.data()), event.payload.size(), event.store_id.data(),
                           event.store_id.size(), 0, headers, slot.get());
    if (produced == RdKafka::ERR_NO_ERROR) {
      (void)slot.release();  // the delivery report owns it now
    } else {
      delete headers;  // ownership passes to librdkafka only on success
      (*outcomes)[i].state.store(-1);
    }
  }
  auto pending = [&outcomes] {
    for (const Outcome& outcome : *outcomes) {
      if (outcome.state.load() == 0) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (pending() && std::chrono::steady_clock::now() < deadline) producer_->poll(5);
  if (pending()) {
    // Give up on this pass; the relay retries those rows. Purged messages
    // still get (failed) reports, served by this and later polls.
    producer_->purge(RdKafka::Producer::PURGE_QUEUE);
    producer_->poll(0);
  }
  std::vector<DeliveredEvent> delivered;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Outcome& outcome = (*outcomes)[i];
    if (outcome.state.load() != 1) continue;
    delivered.push_back(DeliveredEvent{batch[i].event_id, std::chrono::steady_clock::time_point(
                                                              std::chrono::steady_clock::duration(outcome.at.load()))});
  }
  if (!delivered.empty()) last_success_.store(std::chrono::steady_clock::now().time_since_epoch().count());
  return delivered;
}

std::chrono::steady_clock::time_point KafkaPublisher::last_success() const {
  return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_success_.load()));
}

}  // namespace tastesync::infrastructure::kafka
