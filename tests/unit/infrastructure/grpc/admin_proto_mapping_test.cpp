#include "infrastructure/grpc/admin_proto_mapping.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tastesync::infrastructure::grpc_adapter {
namespace {

TEST(AdminProtoMapping, AZoneTravelsToAddZoneAndBackWhole) {
  domain::Zone zone{"table-3", "bistro", domain::ZoneKind::kTable, "Table 3"};
  zone.layout = domain::ZoneLayout{4.5, 0.5, 1.4, 1.2};
  zone.position = domain::FloorPosition{5.2, 1.1};
  admin_v1::AddZoneRequest request;
  to_proto(zone, request);
  const application::AddZoneRequest back = from_proto(request);
  EXPECT_EQ(back.store_id, "bistro");
  EXPECT_EQ(back.zone_id, "table-3");
  EXPECT_EQ(back.kind, domain::ZoneKind::kTable);
  EXPECT_EQ(back.label, "Table 3");
  ASSERT_TRUE(back.layout);
  EXPECT_DOUBLE_EQ(back.layout->y, 0.5);
  EXPECT_DOUBLE_EQ(back.layout->height, 1.2);
  ASSERT_TRUE(back.position);
  EXPECT_DOUBLE_EQ(back.position->x_m, 5.2);
  EXPECT_DOUBLE_EQ(back.position->y_m, 1.1);
}

TEST(AdminProtoMapping, AZoneWithoutLayoutOrPositionSendsNeither) {
  admin_v1::AddZoneRequest request;
  to_proto(domain::Zone{"entrance", "bistro", domain::ZoneKind::kEntrance, "Entrance"}, request);
  EXPECT_EQ(request.kind(), admin_v1::ENTRANCE);
  EXPECT_FALSE(request.has_layout());
  EXPECT_FALSE(request.has_position());
}

TEST(AdminProtoMapping, AnUpdateCarriesWhatItGivesAndACoordinateLeftOutIsNotZero) {
  domain::Zone zone{"table-3", "bistro", domain::ZoneKind::kTable, "Table 3"};
  admin_v1::UpdateZoneRequest request;
  EXPECT_FALSE(to_proto(zone, request)) << "nothing to send for a zone without layout or position";
  zone.position = domain::FloorPosition{0.0, 1.1};  // at the plan's left edge: 0 is sent, and kept
  ASSERT_TRUE(to_proto(zone, request));
  application::UpdateZoneRequest back = from_proto(request);
  EXPECT_FALSE(back.label);
  EXPECT_FALSE(back.layout);
  ASSERT_TRUE(back.position);
  EXPECT_EQ(back.position->x_m, 0.0);

  request.mutable_position()->clear_x();
  request.set_label("Window");
  back = from_proto(request);
  EXPECT_EQ(back.label, "Window");
  ASSERT_TRUE(back.position);
  EXPECT_TRUE(std::isnan(back.position->x_m));
  const auto refused = domain::check_position(*back.position, "position");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "position.x");
}

}  // namespace
}  // namespace tastesync::infrastructure::grpc_adapter
