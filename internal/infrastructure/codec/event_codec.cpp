#include "infrastructure/codec/event_codec.h"

#include <chrono>

#include "events.pb.h"

namespace tastesync::infrastructure::codec {
namespace {

namespace pb = ::tastesync::customer_id::events::v1;

pb::Signal to_proto(domain::Signal signal) {
  switch (signal) {
    case domain::Signal::kBeacon: return pb::BEACON;
    case domain::Signal::kTableQr: return pb::TABLE_QR;
    case domain::Signal::kSilence: return pb::SILENCE;
    case domain::Signal::kPhoneBeacon: return pb::PHONE_BEACON;
    case domain::Signal::kCustomerCode: return pb::CUSTOMER_CODE;
  }
  return pb::SIGNAL_UNSPECIFIED;
}

domain::Signal from_proto(pb::Signal signal) {
  switch (signal) {
    case pb::TABLE_QR: return domain::Signal::kTableQr;
    case pb::SILENCE: return domain::Signal::kSilence;
    case pb::PHONE_BEACON: return domain::Signal::kPhoneBeacon;
    case pb::CUSTOMER_CODE: return domain::Signal::kCustomerCode;
    default: return domain::Signal::kBeacon;
  }
}

}  // namespace

std::string encode_event(const domain::DomainEvent& event) {
  pb::CustomerEvent out;
  out.set_event_id(event.event_id);
  const auto since_epoch = event.occurred_at.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  out.mutable_occurred_at()->set_seconds(seconds.count());
  out.mutable_occurred_at()->set_nanos(
      static_cast<std::int32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count()));
  out.set_store_id(event.store_id);
  out.set_customer_id(event.customer_id);
  out.set_visit_id(event.visit_id);
  out.set_zone_id(event.zone_id);
  out.set_confidence(event.confidence);
  out.set_signal(to_proto(event.signal));
  switch (event.type) {
    case domain::EventType::kCustomerIdentified: out.mutable_customer_identified(); break;
    case domain::EventType::kCustomerEnteredStore: out.mutable_customer_entered_store(); break;
    case domain::EventType::kCustomerSeated: out.mutable_customer_seated(); break;
    case domain::EventType::kCustomerChangedTable:
      out.mutable_customer_changed_table()->set_previous_zone_id(event.previous_zone_id);
      break;
    case domain::EventType::kCustomerLeftStore: out.mutable_customer_left_store(); break;
  }
  return out.SerializeAsString();
}

domain::Result<domain::DomainEvent> decode_event(const std::string& bytes) {
  pb::CustomerEvent in;
  if (!in.ParseFromString(bytes)) {
    return domain::fail(domain::ErrorCode::kInvalidArgument, "not a CustomerEvent");
  }
  domain::DomainEvent event;
  event.event_id = in.event_id();
  event.occurred_at = domain::Timestamp(std::chrono::duration_cast<domain::Clock::duration>(
      std::chrono::seconds(in.occurred_at().seconds()) + std::chrono::nanoseconds(in.occurred_at().nanos())));
  event.store_id = in.store_id();
  event.customer_id = in.customer_id();
  event.visit_id = in.visit_id();
  event.zone_id = in.zone_id();
  event.confidence = in.confidence();
  event.signal = from_proto(in.signal());
  switch (in.kind_case()) {
    case pb::CustomerEvent::kCustomerIdentified: event.type = domain::EventType::kCustomerIdentified; break;
    case pb::CustomerEvent::kCustomerEnteredStore: event.type = domain::EventType::kCustomerEnteredStore; break;
    case pb::CustomerEvent::kCustomerSeated: event.type = domain::EventType::kCustomerSeated; break;
    case pb::CustomerEvent::kCustomerChangedTable:
      event.type = domain::EventType::kCustomerChangedTable;
      event.previous_zone_id = in.customer_changed_table().previous_zone_id();
      break;
    case pb::CustomerEvent::kCustomerLeftStore: event.type = domain::EventType::kCustomerLeftStore; break;
    default: return domain::fail(domain::ErrorCode::kInvalidArgument, "CustomerEvent without a kind");
  }
  return event;
}

}  // namespace tastesync::infrastructure::codec
