#include "infrastructure/db/postgres_customer_devices.h"

#include <openssl/rand.h>

#include <array>
#include <utility>

#include "infrastructure/db/pg_values.h"
#include "infrastructure/db/pii_binding.h"
#include "util/uuid.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::size_t kMaxIdBytes = 128;

}  // namespace

domain::Result<std::unique_ptr<PostgresCustomerDevices>> PostgresCustomerDevices::create(PgPool& pool,
                                                                                         PiiKeyRing keys) {
  if (auto usable = check_pii_key_ring(keys); !usable) return std::unexpected(usable.error());
  return std::unique_ptr<PostgresCustomerDevices>(new PostgresCustomerDevices(pool, std::move(keys)));
}

PostgresCustomerDevices::PostgresCustomerDevices(PgPool& pool, PiiKeyRing keys) : pool_(pool), keys_(std::move(keys)) {}

domain::Result<application::CustomerDevice> PostgresCustomerDevices::add(const std::string& customer_id) {
  if (auto ok = check_text(customer_id, kMaxIdBytes, true, "customer_id"); !ok) return std::unexpected(ok.error());
  application::CustomerDevice device;
  device.customer_id = customer_id;
  device.device_id = util::new_uuid_v7();
  std::array<unsigned char, application::kDeviceSecretBytes> secret{};
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    return fail(ErrorCode::kInternal, "no randomness for a phone secret (OpenSSL)");
  }
  device.secret.assign(reinterpret_cast<const char*>(secret.data()), secret.size());

  const std::string& key_id = keys_.active_id();
  auto sealed =
      util::aes_gcm_seal(*keys_.active(), device.secret, device_secret_binding(customer_id, device.device_id, key_id));
  if (!sealed) return fail(ErrorCode::kInternal, "AES-256-GCM sealing failed (OpenSSL)");

  return pool_.run([&](pqxx::connection& connection) -> domain::Result<application::CustomerDevice> {
    pqxx::work tx(connection);
    // Serialises one customer's registrations so the cap holds under races.
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "customer_devices:" + customer_id);
    const auto count = tx.exec_params("SELECT count(*) FROM customer_devices WHERE customer_id = $1", customer_id);
    if (count[0][0].as<long long>() >= static_cast<long long>(kMaxPhonesPerCustomer)) {
      return fail(ErrorCode::kFailedPrecondition, "customer '" + customer_id + "' already has " +
                                                      std::to_string(kMaxPhonesPerCustomer) + " phones registered");
    }
    const auto row = tx.exec_params(
        "INSERT INTO customer_devices (customer_id, device_id, secret, secret_key_id) VALUES ($1, $2, $3, $4) "
        "RETURNING seq",
        customer_id, device.device_id, pqxx::binarystring(*sealed), key_id);
    device.seq = row[0][0].as<std::int64_t>();
    tx.commit();
    return device;
  });
}

domain::Result<std::vector<application::CustomerDevice>> PostgresCustomerDevices::load_after(std::int64_t seq,
                                                                                             std::size_t limit) const {
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::vector<application::CustomerDevice>> {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params(
        "SELECT seq, customer_id, device_id, secret, secret_key_id FROM customer_devices "
        "WHERE seq > $1 AND secret IS NOT NULL ORDER BY seq LIMIT $2",
        seq, static_cast<long long>(limit));
    std::vector<application::CustomerDevice> devices;
    devices.reserve(rows.size());
    for (const auto& row : rows) {
      application::CustomerDevice device;
      device.seq = row[0].as<std::int64_t>();
      device.customer_id = row[1].as<std::string>();
      device.device_id = row[2].as<std::string>();
      const std::string key_id = row[4].as<std::string>();
      const util::AesGcmKey* key = keys_.find(key_id);
      if (key == nullptr) {
        return fail(ErrorCode::kInternal, "phone '" + device.device_id + "' is sealed with key '" + key_id +
                                              "', which is not in the configured key ring");
      }
      auto secret = util::aes_gcm_open(*key, pqxx::binarystring(row[3]).str(),
                                       device_secret_binding(device.customer_id, device.device_id, key_id));
      if (!secret) {
        return fail(ErrorCode::kInternal, "the stored secret of phone '" + device.device_id +
                                              "' does not authenticate under key '" + key_id + "' (tampered or moved)");
      }
      device.secret = std::move(*secret);
      devices.push_back(std::move(device));
    }
    return devices;
  });
}

}  // namespace tastesync::infrastructure::db
