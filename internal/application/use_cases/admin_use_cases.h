#pragma once

#include <vector>

#include "application/ports/beacon_registry_port.h"
#include "application/ports/customer_directory_port.h"
#include "application/ports/principal.h"
#include "application/ports/qr_image_port.h"
#include "application/ports/registry_admin_port.h"
#include "application/ports/table_qr_port.h"
#include "application/ports/visit_ledger_port.h"
#include "application/use_cases/admin_requests.h"
#include "domain/entities/visit.h"
#include "domain/error.h"

namespace tastesync::application {

// What the Admin API does, independent of transport: each method checks who
// may call it, then every field, and only then touches a port, so a rejected
// request never leaves a partial write behind.
class AdminUseCases final {
 public:
  // All ports outlive this object.
  AdminUseCases(RegistryAdminPort& registry_admin, const BeaconRegistryPort& registry, CustomerDirectoryPort& customers,
                const VisitLedgerPort& ledger, const TableQrSignerPort& table_qr, const QrImagePort& qr_image);

  domain::Result<void> create_store(const Principal& caller, const CreateStoreRequest& request);
  domain::Result<void> add_zone(const Principal& caller, const AddZoneRequest& request);
  domain::Result<void> update_zone(const Principal& caller, const UpdateZoneRequest& request);
  domain::Result<void> register_beacon(const Principal& caller, const RegisterBeaconRequest& request);
  domain::Result<void> retire_beacon(const Principal& caller, const RetireBeaconRequest& request);
  domain::Result<void> register_customer(const Principal& caller, const RegisterCustomerRequest& request);
  domain::Result<TableQrCode> issue_table_qr(const Principal& caller, const IssueTableQrRequest& request);
  // Sorted by zone, then customer id.
  domain::Result<std::vector<PresentCustomer>> store_presence(const Principal& caller,
                                                              const GetStorePresenceRequest& request);
  // Newest first.
  domain::Result<std::vector<domain::Visit>> customer_visits(const Principal& caller,
                                                             const ListCustomerVisitsRequest& request);

 private:
  RegistryAdminPort& registry_admin_;
  const BeaconRegistryPort& registry_;
  CustomerDirectoryPort& customers_;
  const VisitLedgerPort& ledger_;
  const TableQrSignerPort& table_qr_;
  const QrImagePort& qr_image_;
};

}  // namespace tastesync::application
