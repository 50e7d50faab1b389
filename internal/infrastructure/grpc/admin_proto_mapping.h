#pragma once

// Protobuf <-> application types for the Admin service. Only translation:
// every check lives in the use cases, so the HTTPS/JSON transport rejects
// the same inputs the same way.

#include <vector>

#include "admin.pb.h"
#include "application/use_cases/admin_requests.h"
#include "application/use_cases/store_analytics_use_case.h"
#include "application/use_cases/store_floor_use_case.h"
#include "domain/entities/visit.h"

namespace tastesync::infrastructure::grpc_adapter {

namespace admin_v1 = ::tastesync::customer_id::v1;

application::CreateStoreRequest from_proto(const admin_v1::CreateStoreRequest& request);
application::AddZoneRequest from_proto(const admin_v1::AddZoneRequest& request);
application::UpdateZoneRequest from_proto(const admin_v1::UpdateZoneRequest& request);
application::RegisterBeaconRequest from_proto(const admin_v1::RegisterBeaconRequest& request);
application::RetireBeaconRequest from_proto(const admin_v1::RetireBeaconRequest& request);
application::RegisterCustomerRequest from_proto(const admin_v1::RegisterCustomerRequest& request);
application::IssueTableQrRequest from_proto(const admin_v1::IssueTableQrRequest& request);
application::GetStorePresenceRequest from_proto(const admin_v1::GetStorePresenceRequest& request);
application::ListCustomerVisitsRequest from_proto(const admin_v1::ListCustomerVisitsRequest& request);
application::StoreAnalyticsRequest from_proto(const admin_v1::GetStoreAnalyticsRequest& request);

// The request that adds `zone` as it stands (what customer-idctl sends for a
// floor-plan file's zone).
void to_proto(const domain::Zone& zone, admin_v1::AddZoneRequest& out);
// The request that sets `zone`'s layout and position as it has them (what
// customer-idctl sends for a file's zone the store has already); false
// when it has neither, so there is nothing to send.
bool to_proto(const domain::Zone& zone, admin_v1::UpdateZoneRequest& out);
void to_proto(const application::TableQrCode& code, admin_v1::IssueTableQrResponse& out);
void to_proto(const std::vector<application::PresentCustomer>& customers, admin_v1::GetStorePresenceResponse& out);
void to_proto(const std::vector<domain::Visit>& visits, admin_v1::ListCustomerVisitsResponse& out);
void to_proto(const application::StoreFloor& floor, admin_v1::GetStoreFloorResponse& out);
void to_proto(const application::FloorCustomer& customer, admin_v1::FloorCustomer& out);
void to_proto(const application::StoreAnalytics& analytics, admin_v1::GetStoreAnalyticsResponse& out);

}  // namespace tastesync::infrastructure::grpc_adapter
