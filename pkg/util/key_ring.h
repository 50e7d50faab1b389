#pragma once

// Keys by id, one of them active: what the service seals or signs with.
// New payloads use the active key and name it; older ones name the key they
// were made with and open while it stays listed, so keys rotate without
// re-encrypting rows or reprinting codes. The personal-data ring (AES keys)
// and the HMAC rings (table QR codes, entrance codes) are this type. The JWT
// verifier's public keys are looked up by kid the same way but have no
// active key: this service never signs tokens.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace tastesync::util {

template <typename Key>
class KeyRing {
 public:
  using Keys = std::map<std::string, Key, std::less<>>;

  KeyRing() = default;
  KeyRing(Keys keys, std::string active_id) : keys_(std::move(keys)), active_id_(std::move(active_id)) {}

  const Keys& keys() const { return keys_; }
  const std::string& active_id() const { return active_id_; }

  // The key `id` names; nullptr when the ring does not hold it.
  const Key* find(std::string_view id) const {
    const auto found = keys_.find(id);
    return found == keys_.end() ? nullptr : &found->second;
  }
  // The key new payloads use; nullptr when the active id is not in the ring
  // (the adapters refuse such a ring at start).
  const Key* active() const { return find(active_id_); }

 private:
  Keys keys_;
  std::string active_id_;
};

}  // namespace tastesync::util
