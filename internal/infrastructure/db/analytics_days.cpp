#include "infrastructure/db/analytics_days.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <string_view>

namespace tastesync::infrastructure::db {
namespace {

// $1 store, $2 first day, $3 last day, $4 time zone: one row per local day,
// its columns those of analytics_days after the time zone. The visits of a
// day are those that began on it; the tables' figures come from the store's
// table arrivals and departures, each departure only with its arrival (so a
// stay that began before the rows read is left out whole instead of making
// the running count negative), looking back one day before the first day.
// Per table, in time order, the running sum is how many sit there: a sitting
// starts where it rises from 0 (a party of four is one sitting; a table taken
// the instant another party leaves it is one too), and the table is occupied
// while it is above 0, cut at the days' bounds (and at now).
constexpr const char* kDaysSql =
    "WITH days AS (SELECT d::date AS day, d::date::timestamp AT TIME ZONE $4 AS day_start, "
    "                     (d::date + 1)::timestamp AT TIME ZONE $4 AS day_end "
    "              FROM generate_series($2::date, $3::date, interval '1 day') AS d), "
    "span AS (SELECT min(day_start) AS t0, max(day_end) AS t1 FROM days), "
    "v AS (SELECT (entered_at AT TIME ZONE $4)::date AS day, "
    "             extract(hour FROM entered_at AT TIME ZONE $4)::int AS hour, entered_at, seated_at, left_at "
    "      FROM visits, span WHERE store_id = $1 AND entered_at >= span.t0 AND entered_at < span.t1), "
    "visit_days AS ("
    "  SELECT day, count(*)::int AS visits, "
    "         array_agg(extract(epoch FROM left_at - entered_at)::float8) FILTER (WHERE left_at IS NOT NULL) AS "
    "lengths, "
    "         array_agg(extract(epoch FROM seated_at - entered_at)::float8) FILTER (WHERE seated_at IS NOT NULL) "
    "           AS waits, "
    "         (extract(epoch FROM max(coalesce(left_at, now())) - min(entered_at)) * 1000000)::bigint AS open_micros "
    "  FROM v GROUP BY day), "
    "hour_days AS ("
    "  SELECT days.day, array_agg(coalesce(c.n, 0)::int ORDER BY h) AS per_hour "
    "  FROM days CROSS JOIN generate_series(0, 23) AS h "
    "  LEFT JOIN (SELECT day, hour, count(*) AS n FROM v GROUP BY 1, 2) AS c ON c.day = days.day AND c.hour = h "
    "  GROUP BY days.day), "
    "tables AS (SELECT zone_id FROM zones WHERE store_id = $1 AND kind = 'table'), "
    "moves AS (SELECT visit_id, from_zone_id, to_zone_id, at FROM zone_transitions, span "
    "          WHERE store_id = $1 AND at >= span.t0 - interval '1 day' AND at < span.t1), "
    "arrivals AS (SELECT visit_id, to_zone_id AS zone_id, at FROM moves "
    "             WHERE to_zone_id IN (SELECT zone_id FROM tables)), "
    "ev AS (SELECT zone_id, at, 1 AS delta FROM arrivals "
    "       UNION ALL "
    "       SELECT m.from_zone_id, m.at, -1 FROM moves AS m WHERE EXISTS (SELECT 1 FROM arrivals AS a "
    "         WHERE a.visit_id = m.visit_id AND a.zone_id = m.from_zone_id AND a.at <= m.at)), "
    "run AS (SELECT zone_id, at, delta, sum(delta) OVER w AS here, lead(at) OVER w AS next_at FROM ev "
    "        WINDOW w AS (PARTITION BY zone_id ORDER BY at, delta DESC ROWS UNBOUNDED PRECEDING)), "
    "rises AS (SELECT (at AT TIME ZONE $4)::date AS day, zone_id, count(*)::int AS rises FROM run, span "
    "          WHERE delta = 1 AND here = 1 AND at >= span.t0 GROUP BY 1, 2), "
    // Each stretch with someone there, cut into the days it touches; it was
    // under way when a day began if it started before that day.
    "pieces AS ("
    "  SELECT days.day, r.zone_id, r.at < days.day_start AS covers_start, "
    "         (extract(epoch FROM greatest(interval '0', least(r.until, days.day_end, now()) "
    "                                                   - greatest(r.at, days.day_start))) * 1000000)::bigint AS "
    "micros "
    "  FROM (SELECT run.zone_id, run.at, least(coalesce(run.next_at, span.t1), span.t1) AS until "
    "        FROM run, span WHERE run.here > 0) AS r "
    "  CROSS JOIN LATERAL generate_series((greatest(r.at, (SELECT t0 FROM span)) AT TIME ZONE $4)::date, "
    "                                     (r.until AT TIME ZONE $4)::date, interval '1 day') AS touched "
    "  JOIN days ON days.day = touched::date), "
    "occupied AS (SELECT day, zone_id, bool_or(covers_start) AS at_start, sum(micros)::bigint AS micros "
    "             FROM pieces GROUP BY 1, 2), "
    "table_days AS ("
    "  SELECT day, array_agg(zone_id ORDER BY zone_id) AS ids, array_agg(at_start ORDER BY zone_id) AS at_start, "
    "         array_agg(rises ORDER BY zone_id) AS rises, array_agg(micros ORDER BY zone_id) AS micros "
    "  FROM (SELECT coalesce(o.day, r.day) AS day, coalesce(o.zone_id, r.zone_id) AS zone_id, "
    "               coalesce(o.at_start, false) AS at_start, coalesce(r.rises, 0) AS rises, "
    "               coalesce(o.micros, 0)::bigint AS micros "
    "        FROM occupied AS o FULL JOIN rises AS r ON r.day = o.day AND r.zone_id = o.zone_id) AS z "
    "  GROUP BY day) "
    "SELECT days.day, coalesce(vd.visits, 0) AS visits, hd.per_hour AS visits_per_hour, "
    "       vd.lengths AS visit_seconds, vd.waits AS seat_seconds, coalesce(vd.open_micros, 0) AS open_micros, "
    "       td.ids AS table_ids, td.at_start AS occupied_at_start, td.rises AS sittings_started, "
    "       td.micros AS occupied_micros "
    "FROM days LEFT JOIN visit_days AS vd USING (day) LEFT JOIN hour_days AS hd USING (day) "
    "LEFT JOIN table_days AS td USING (day)";

// The columns read_days parses, from analytics_days or from kDaysSql.
#define DAY_COLUMNS                                                                                 \
  "day::text, visits, array_to_string(visits_per_hour, ','), array_to_string(visit_seconds, ','), " \
  "array_to_string(seat_seconds, ','), open_micros, array_to_string(table_ids, ','), "              \
  "array_to_string(occupied_at_start, ','), array_to_string(sittings_started, ','), "               \
  "array_to_string(occupied_micros, ',')"

// The last day of $2..$3 ($4's days) that is final for store $1 (or '').
constexpr const char* kLastFinalDaySql =
    "SELECT coalesce(max(d)::date::text, '') FROM generate_series($2::date, $3::date, interval '1 day') AS d "
    "WHERE (d::date + 1)::timestamp AT TIME ZONE $4 <= least(now() - interval '2 hours', "
    "  (SELECT min(entered_at) FROM visits WHERE store_id = $1 AND left_at IS NULL))";

// The first day of $2..$3 not kept for store $1 in $4 (or '').
constexpr const char* kFirstMissingDaySql =
    "SELECT coalesce(min(d)::date::text, '') FROM generate_series($2::date, $3::date, interval '1 day') AS d "
    "WHERE NOT EXISTS (SELECT 1 FROM analytics_days AS k "
    "                  WHERE k.store_id = $1 AND k.time_zone = $4 AND k.day = d::date)";

std::string one_text(pqxx::transaction_base& tx, const char* sql, const DayRange& range, const std::string& first,
                     const std::string& last) {
  return tx.exec_params(sql, range.store_id, first, last, range.time_zone)[0][0].as<std::string>();
}

// Calls `each` with every item of a comma-separated list ("" is none).
template <typename Each>
void for_each_item(const pqxx::field& field, Each&& each) {
  if (field.is_null()) return;
  const std::string_view text(field.c_str(), field.size());
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    each(text.substr(start, end - start));
    start = end + 1;
  }
}

template <typename Number>
Number number_of(std::string_view text) {
  Number value{};
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

DayFigures day_from(const pqxx::row& row) {
  DayFigures day;
  day.day = row[0].as<std::string>();
  day.visits = static_cast<std::uint32_t>(row[1].as<long long>());
  std::size_t hour = 0;
  for_each_item(row[2], [&](std::string_view item) {
    if (hour < day.visits_per_hour.size()) day.visits_per_hour[hour++] = number_of<std::uint32_t>(item);
  });
  for_each_item(row[3], [&](std::string_view item) { day.visit_seconds.push_back(number_of<double>(item)); });
  for_each_item(row[4], [&](std::string_view item) { day.seat_seconds.push_back(number_of<double>(item)); });
  day.open_micros = row[5].as<long long>();
  for_each_item(row[6], [&](std::string_view item) { day.tables.push_back(TableDay{std::string(item)}); });
  std::size_t i = 0;
  for_each_item(row[7], [&](std::string_view item) {
    if (i < day.tables.size()) day.tables[i++].occupied_at_start = item == "t" || item == "true";
  });
  i = 0;
  for_each_item(row[8], [&](std::string_view item) {
    if (i < day.tables.size()) day.tables[i++].sittings_started = number_of<std::uint32_t>(item);
  });
  i = 0;
  for_each_item(row[9], [&](std::string_view item) {
    if (i < day.tables.size()) day.tables[i++].occupied_micros = number_of<long long>(item);
  });
  return day;
}

}  // namespace

void keep_final_days(pqxx::work& tx, const DayRange& range) {
  // Exclusive against the triggers that forget a store's days (0010): a
  // change to the ledger's past either lands before these rows are computed
  // (and is in them) or forgets them after they are committed.
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('analytics_days'), hashtext($1))", range.store_id);
  const std::string last_final = one_text(tx, kLastFinalDaySql, range, range.first_day, range.last_day);
  if (last_final.empty()) return;
  const std::string first_missing = one_text(tx, kFirstMissingDaySql, range, range.first_day, last_final);
  if (first_missing.empty()) return;
  tx.exec_params(std::string("INSERT INTO analytics_days (store_id, time_zone, day, visits, visits_per_hour, "
                             "visit_seconds, seat_seconds, open_micros, table_ids, occupied_at_start, "
                             "sittings_started, occupied_micros) SELECT $1, $4, f.* FROM (") +
                     kDaysSql + ") AS f ON CONFLICT DO NOTHING",
                 range.store_id, first_missing, last_final, range.time_zone);
}

std::vector<DayFigures> read_days(pqxx::transaction_base& tx, const DayRange& range) {
  // Kept days up to the first one that is not (normally today); from there
  // on, the ledger.
  const std::string first_missing = one_text(tx, kFirstMissingDaySql, range, range.first_day, range.last_day);
  std::vector<DayFigures> days;
  const auto kept = tx.exec_params("SELECT " DAY_COLUMNS
                                   " FROM analytics_days WHERE store_id = $1 AND time_zone = $2 AND day >= $3::date "
                                   "AND day <= $4::date AND ($5 = '' OR day < $5::date) ORDER BY day",
                                   range.store_id, range.time_zone, range.first_day, range.last_day, first_missing);
  for (const auto& row : kept) days.push_back(day_from(row));
  if (!first_missing.empty()) {
    const auto live = tx.exec_params(std::string("SELECT " DAY_COLUMNS " FROM (") + kDaysSql + ") AS f ORDER BY day",
                                     range.store_id, first_missing, range.last_day, range.time_zone);
    for (const auto& row : live) days.push_back(day_from(row));
  }
  return days;
}

void add_up(std::vector<DayFigures>& days, application::StoreAnalytics& out) {
  std::vector<double> visit_seconds;
  std::vector<double> seat_seconds;
  long long open_micros = 0;
  std::map<std::string, TableDay> tables;  // summed; occupied_at_start of the first day
  for (std::size_t i = 0; i < days.size(); ++i) {
    DayFigures& day = days[i];
    out.visits += day.visits;
    for (std::size_t hour = 0; hour < out.visits_per_hour.size(); ++hour) {
      out.visits_per_hour[hour] += day.visits_per_hour[hour];
    }
    visit_seconds.insert(visit_seconds.end(), day.visit_seconds.begin(), day.visit_seconds.end());
    seat_seconds.insert(seat_seconds.end(), day.seat_seconds.begin(), day.seat_seconds.end());
    if (day.visits > 0) {
      ++out.open_days;
      open_micros += day.open_micros;
    }
    for (const TableDay& table : day.tables) {
      TableDay& sum = tables.try_emplace(table.zone_id, TableDay{table.zone_id}).first->second;
      if (i == 0) sum.occupied_at_start = table.occupied_at_start;
      sum.sittings_started += table.sittings_started;
      sum.occupied_micros += table.occupied_micros;
    }
  }
  out.visit_length = {static_cast<std::uint32_t>(visit_seconds.size()), percentile_cont(visit_seconds, 0.5),
                      percentile_cont(visit_seconds, 0.9)};
  out.time_to_seat = {static_cast<std::uint32_t>(seat_seconds.size()), percentile_cont(seat_seconds, 0.5),
                      percentile_cont(seat_seconds, 0.9)};
  // Microseconds are exact; one division gives the double nearest the
  // seconds, as reading PostgreSQL's exact numeric would.
  const double open_seconds = static_cast<double>(open_micros) / 1e6;
  out.open_hours = open_seconds / 3600.0;
  for (const auto& [zone_id, table] : tables) {
    application::TableFigures figures;
    figures.zone_id = zone_id;
    // A sitting under way when the range began counts once, like one that
    // began in it.
    figures.sittings = table.sittings_started + (table.occupied_at_start ? 1U : 0U);
    const double occupied = static_cast<double>(table.occupied_micros) / 1e6;
    figures.occupancy = open_seconds > 0 ? std::min(1.0, occupied / open_seconds) : 0.0;
    figures.turnover_per_day = out.open_days > 0 ? figures.sittings / static_cast<double>(out.open_days) : 0.0;
    out.tables.push_back(std::move(figures));
  }
}

double percentile_cont(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0.0;
  // As orderedsetaggs.c: rows first_row and second_row of the sorted values,
  // and float8_lerp between them.
  const double rank = fraction * static_cast<double>(values.size() - 1);
  const double first_row = std::floor(rank);
  const auto first = static_cast<std::size_t>(first_row);
  const auto second = static_cast<std::size_t>(std::ceil(rank));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(first), values.end());
  const double low = values[first];
  if (second == first) return low;
  const double high = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(first) + 1, values.end());
  return low + (high - low) * (rank - first_row);
}

}  // namespace tastesync::infrastructure::db
