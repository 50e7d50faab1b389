#pragma once

// The value stored in Redis for a customer's presence: the presence and the
// zone resolver's full state in a small versioned binary format. It is on
// the path of every sighting (decoded on load, encoded on save): nlohmann
// JSON took ~67 us per encode+decode of a record with 8 beacon tracks, more
// than the two Redis round trips around it; this format takes about 1 us.
// The record's version is not part of it: the store keeps it beside the
// value, where its compare-and-set script can read it.
//
// Layout (little-endian), format 1 (format 2 adds the zone belief at the end):
//   'P' 0x01
//   u8 has_presence; if 1: str visit_id, str store_id, str zone_id,
//      u8 zone_kind (0 entrance, 1 table), i64 visit_started_at,
//      i64 zone_since, i64 last_seen            (times: ns since the epoch)
//   str store_id, str incumbent_zone_id, str challenger_zone_id,
//   f64 challenger_evidence, i32 challenger_streak, i32 incumbent_tenure,
//   f64 incumbent_dominance, u32 track count, then per track:
//      16 bytes uuid, u16 major, u16 minor, str zone_id, f64 filtered_rssi,
//      i32 samples, i64 last_seen, f64 evidence, i32 streak, u8 fresh
//   format 2 only: u32 belief layout, i64 belief updated_at, u32 weight
//      count (1..1000), then per weight a u16
//   (str = u32 length + bytes; f64 = IEEE-754 bits; nothing may follow)
// A reader rejects any other format byte, so a new format must be rolled out
// readers first (every instance able to read it before any writes it). A
// record without a belief is written as format 1, and both are read.

#include <string>
#include <string_view>

#include "domain/entities/presence.h"
#include "domain/error.h"

namespace tastesync::infrastructure::redis {

// kInternal if the record holds a non-finite number.
domain::Result<std::string> encode_presence(const domain::PresenceRecord& record);
// kInternal for anything that is not exactly what encode_presence writes;
// the result has version 0.
domain::Result<domain::PresenceRecord> decode_presence(std::string_view value);

}  // namespace tastesync::infrastructure::redis
