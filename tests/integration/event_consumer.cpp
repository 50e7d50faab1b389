#include "integration/event_consumer.h"

#include <unistd.h>

#include <atomic>
#include <sstream>
#include <stdexcept>

#include "infrastructure/codec/event_codec.h"

namespace tastesync::testing {
namespace {

void set(RdKafka::Conf& conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf.set(name, value, error) != RdKafka::Conf::CONF_OK) {
    throw std::runtime_error("kafka consumer config " + name + ": " + error);
  }
}

std::string unique_group() {
  static std::atomic<int> next{0};
  return "cid-test-consumer-" + std::to_string(getpid()) + "-" + std::to_string(++next);
}

}  // namespace

EventConsumer::EventConsumer(const std::string& bootstrap, const std::string& topic, int partitions) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(*conf, "bootstrap.servers", bootstrap);
  // The C++ consumer insists on a group id; with assign() it never joins the
  // group, and nothing is committed.
  set(*conf, "group.id", unique_group());
  set(*conf, "enable.auto.commit", "false");
  set(*conf, "enable.auto.offset.store", "false");
  set(*conf, "auto.offset.reset", "earliest");
  // Answer fetches soon after a message lands rather than batching up to 500 ms.
  set(*conf, "fetch.wait.max.ms", "10");
  // Reconnect soon after an outage test brings the brokers back.
  set(*conf, "reconnect.backoff.max.ms", "500");
  // Broker-down noise during the outage test is expected: keep stderr quiet;
  // errors still reach consume() and last_error().
  set(*conf, "log_level", "2");
  std::string error;
  consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
  if (!consumer_) throw std::runtime_error("kafka consumer: " + error);

  std::vector<RdKafka::TopicPartition*> assignment;
  for (int p = 0; p < partitions; ++p) {
    assignment.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  const RdKafka::ErrorCode assigned = consumer_->assign(assignment);
  RdKafka::TopicPartition::destroy(assignment);
  if (assigned != RdKafka::ERR_NO_ERROR) throw std::runtime_error("kafka assign: " + RdKafka::err2str(assigned));
}

EventConsumer::~EventConsumer() {
  if (consumer_) consumer_->close();
}

void EventConsumer::poll_once(std::chrono::milliseconds wait) {
  std::unique_ptr<RdKafka::Message> message(consumer_->consume(static_cast<int>(wait.count())));
  if (!message) return;
  switch (message->err()) {
    case RdKafka::ERR_NO_ERROR: break;
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__PARTITION_EOF: return;
    default: last_error_ = message->errstr(); return;
  }
  const std::string value(static_cast<const char*>(message->payload()), message->len());
  auto decoded = infrastructure::codec::decode_event(value);
  if (!decoded) {
    ++undecodable_;
    last_error_ = "undecodable message at p" + std::to_string(message->partition()) + "@" +
                  std::to_string(message->offset()) + ": " + decoded.error().message;
    return;
  }
  ConsumedEvent consumed;
  consumed.received_at = std::chrono::system_clock::now();
  consumed.event = std::move(*decoded);
  if (const std::string* key = message->key()) consumed.key = *key;
  if (RdKafka::Headers* headers = message->headers()) {
    for (const RdKafka::Headers::Header& header : headers->get_all()) {
      consumed.headers[header.key()] = header.value() == nullptr
                                           ? std::string{}
                                           : std::string(static_cast<const char*>(header.value()), header.value_size());
    }
  }
  consumed.partition = message->partition();
  consumed.offset = message->offset();
  if (const RdKafka::MessageTimestamp stamp = message->timestamp();
      stamp.type != RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE && stamp.timestamp >= 0) {
    consumed.kafka_timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(stamp.timestamp));
  }
  events_.push_back(std::move(consumed));
}

bool EventConsumer::poll_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    poll_once(std::chrono::milliseconds(50));
  }
  return true;
}

void EventConsumer::poll_for(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) poll_once(std::chrono::milliseconds(50));
}

std::vector<ConsumedEvent> EventConsumer::collect(const std::string& customer, std::size_t count,
                                                  std::chrono::milliseconds timeout) {
  std::size_t seen = 0;
  std::size_t scanned = 0;
  poll_until(
      [&] {
        for (; scanned < events_.size(); ++scanned) {
          if (events_[scanned].event.customer_id == customer) ++seen;
        }
        return seen >= count;
      },
      timeout);
  return events_for(customer);
}

std::vector<ConsumedEvent> EventConsumer::events_for(const std::string& customer) const {
  std::vector<ConsumedEvent> theirs;
  for (const ConsumedEvent& consumed : events_) {
    if (consumed.event.customer_id == customer) theirs.push_back(consumed);
  }
  return theirs;
}

std::map<std::string, int> EventConsumer::id_counts() const {
  std::map<std::string, int> counts;
  for (const ConsumedEvent& consumed : events_) ++counts[consumed.event.event_id];
  return counts;
}

std::string describe(const std::vector<ConsumedEvent>& events) {
  std::ostringstream out;
  for (const ConsumedEvent& consumed : events) {
    out << "  " << domain::to_string(consumed.event.type) << "(" << consumed.event.zone_id;
    if (!consumed.event.previous_zone_id.empty()) out << " from " << consumed.event.previous_zone_id;
    out << ") id=" << consumed.event.event_id << " customer=" << consumed.event.customer_id << " p"
        << consumed.partition << "@" << consumed.offset << "\n";
  }
  return out.str();
}

}  // namespace tastesync::testing
