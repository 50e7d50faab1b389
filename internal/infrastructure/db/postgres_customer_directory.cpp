#include "infrastructure/db/postgres_customer_directory.h"

#include <utility>

#include "infrastructure/db/pg_values.h"
#include "infrastructure/db/pii_binding.h"

namespace tastesync::infrastructure::db {
namespace {

using domain::ErrorCode;
using domain::fail;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 200;
constexpr std::size_t kMaxPhoneBytes = 32;
constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321's path limit

domain::Result<std::string> seal(const util::AesGcmKey& key, const std::string& customer_id, const std::string& key_id,
                                 const char* column, const std::string& plaintext) {
  auto sealed = util::aes_gcm_seal(key, plaintext, customer_column_binding(customer_id, key_id, column));
  if (!sealed) return fail(ErrorCode::kInternal, "AES-256-GCM sealing failed (OpenSSL)");
  return std::move(*sealed);
}

domain::Result<std::string> open(const util::AesGcmKey& key, const std::string& customer_id, const std::string& key_id,
                                 const char* column, const pqxx::field& sealed) {
  auto plaintext =
      util::aes_gcm_open(key, pqxx::binarystring(sealed).str(), customer_column_binding(customer_id, key_id, column));
  if (!plaintext) {
    return fail(ErrorCode::kInternal, std::string("the stored ") + column + " of customer '" + customer_id +
                                          "' does not authenticate under key '" + key_id + "' (tampered or moved)");
  }
  return std::move(*plaintext);
}

}  // namespace

domain::Result<std::unique_ptr<PostgresCustomerDirectory>> PostgresCustomerDirectory::create(PgPool& pool,
                                                                                             PiiKeyRing keys) {
  if (auto usable = check_pii_key_ring(keys); !usable) return std::unexpected(usable.error());
  return std::unique_ptr<PostgresCustomerDirectory>(new PostgresCustomerDirectory(pool, std::move(keys)));
}

PostgresCustomerDirectory::PostgresCustomerDirectory(PgPool& pool, PiiKeyRing keys)
    : pool_(pool), keys_(std::move(keys)) {}

domain::Result<void> PostgresCustomerDirectory::add(const domain::Customer& customer) {
  if (auto ok = check_text(customer.id, kMaxIdBytes, true, "customer_id"); !ok) return ok;
  if (auto ok = check_text(customer.display_name, kMaxNameBytes, false, "display_name"); !ok) return ok;
  if (auto ok = check_text(customer.phone, kMaxPhoneBytes, false, "phone"); !ok) return ok;
  if (auto ok = check_text(customer.email, kMaxEmailBytes, false, "email"); !ok) return ok;

  const std::string& key_id = keys_.active_id();
  const util::AesGcmKey& key = *keys_.active();
  auto name = seal(key, customer.id, key_id, "display_name", customer.display_name);
  if (!name) return std::unexpected(name.error());
  auto phone = seal(key, customer.id, key_id, "phone", customer.phone);
  if (!phone) return std::unexpected(phone.error());
  auto email = seal(key, customer.id, key_id, "email", customer.email);
  if (!email) return std::unexpected(email.error());

  return pool_.run([&](pqxx::connection& connection) -> domain::Result<void> {
    pqxx::work tx(connection);
    const auto inserted = tx.exec_params(
        "INSERT INTO customers (customer_id, display_name, phone, email, pii_key_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (customer_id) DO NOTHING RETURNING 1",
        customer.id, pqxx::binarystring(*name), pqxx::binarystring(*phone), pqxx::binarystring(*email), key_id);
    if (inserted.empty()) {
      return fail(ErrorCode::kAlreadyExists, "customer '" + customer.id + "' is already registered", "customer_id");
    }
    tx.commit();
    return {};
  });
}

domain::Result<std::optional<domain::Customer>> PostgresCustomerDirectory::find(const std::string& customer_id) const {
  if (auto ok = check_text(customer_id, kMaxIdBytes, true, "customer_id"); !ok) return std::unexpected(ok.error());
  return pool_.run([&](pqxx::connection& connection) -> domain::Result<std::optional<domain::Customer>> {
    pqxx::read_transaction tx(connection);
    const auto rows = tx.exec_params(
        "SELECT display_name, phone, email, pii_key_id FROM customers WHERE customer_id = $1", customer_id);
    if (rows.empty()) return std::optional<domain::Customer>{};
    const auto& row = rows[0];
    const std::string key_id = row[3].as<std::string>();
    const util::AesGcmKey* key = keys_.find(key_id);
    if (key == nullptr) {
      return fail(ErrorCode::kInternal, "customer '" + customer_id + "' is sealed with key '" + key_id +
                                            "', which is not in the configured key ring");
    }
    domain::Customer customer;
    customer.id = customer_id;
    auto name = open(*key, customer_id, key_id, "display_name", row[0]);
    if (!name) return std::unexpected(name.error());
    auto phone = open(*key, customer_id, key_id, "phone", row[1]);
    if (!phone) return std::unexpected(phone.error());
    auto email = open(*key, customer_id, key_id, "email", row[2]);
    if (!email) return std::unexpected(email.error());
    customer.display_name = std::move(*name);
    customer.phone = std::move(*phone);
    customer.email = std::move(*email);
    return std::optional<domain::Customer>{std::move(customer)};
  });
}

}  // namespace tastesync::infrastructure::db
