#pragma once

// What a sealed personal-data value is bound to (the associated data of its
// AES-256-GCM seal): copied into another row or column, or relabelled with
// another key id, it no longer opens. One definition for the adapters that
// seal and open these columns and for anything that writes them in bulk
// (bench/scale_data.cpp), so the two cannot drift apart.

#include <string>

namespace tastesync::infrastructure::db {

// customers.<column> (display_name, phone, email) of `customer_id`.
std::string customer_column_binding(const std::string& customer_id, const std::string& key_id, const char* column);

// customer_devices.secret of one phone.
std::string device_secret_binding(const std::string& customer_id, const std::string& device_id,
                                  const std::string& key_id);

}  // namespace tastesync::infrastructure::db
