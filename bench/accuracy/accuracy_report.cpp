// `make accuracy`: how often, how fast and how stably the zone resolver puts
// customers where they are, measured on a simulated store at several noise
// levels, and on the real labeled dataset when it is present. Prints one
// Markdown table (see the README's "Zone accuracy" section).
//
//   accuracy_report [--customers N] [--seed S] [--config FILE] [--dataset DIR]
//                   [--body-shadow-db DB] [--drop P]
//                   [--trace-flaps SIGMA_DB | --trace-slow-arrivals SIGMA_DB]

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accuracy/flap_trace.h"
#include "accuracy/labeled_dataset.h"
#include "accuracy/leave_probe.h"
#include "accuracy/report_table.h"
#include "accuracy/sequence_replay.h"
#include "config/config.h"
#include "domain/entities/floor_plan.h"
#include "domain/services/calibration_report.h"
#include "domain/services/zone_resolver.h"
#include "support/accuracy_metrics.h"
#include "support/store_simulator.h"
#include "support/two_floor_building.h"

namespace tastesync::bench {
namespace {

struct Options {
  int customers = 200;
  std::uint64_t seed = 1;
  std::string config_file;                          // empty: the service's defaults
  std::string dataset_dir = "bench/accuracy/data";  // run from the repository root
  double body_shadow_db = 6.0;
  double drop_probability = 0.1;
  std::optional<double> trace_flaps_sigma;  // --trace-flaps: print the flaps at this noise instead
  Traced traced = Traced::kFlaps;           // --trace-slow-arrivals: the arrivals missed instead
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "accuracy_report: " << problem
            << "\nusage: accuracy_report [--customers N] [--seed S] [--config FILE] [--dataset DIR]"
               " [--body-shadow-db DB] [--drop P] [--trace-flaps SIGMA_DB | --trace-slow-arrivals SIGMA_DB]\n";
  std::exit(2);
}

template <typename Number>
Number parse_number(std::string_view flag, std::string_view text) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size())
    usage(std::string(flag) + ": not a number: " + std::string(text));
  return value;
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage(std::string(flag) + " needs a value");
    const std::string_view value = argv[++i];
    if (flag == "--customers") {
      options.customers = parse_number<int>(flag, value);
      if (options.customers < 1) usage("--customers must be at least 1");
    } else if (flag == "--seed") {
      options.seed = parse_number<std::uint64_t>(flag, value);
    } else if (flag == "--config") {
      options.config_file = value;
    } else if (flag == "--dataset") {
      options.dataset_dir = value;
    } else if (flag == "--body-shadow-db") {
      options.body_shadow_db = parse_number<double>(flag, value);
    } else if (flag == "--drop") {
      options.drop_probability = parse_number<double>(flag, value);
      if (options.drop_probability < 0.0 || options.drop_probability >= 1.0) usage("--drop must be in [0, 1)");
    } else if (flag == "--trace-flaps") {
      options.trace_flaps_sigma = parse_number<double>(flag, value);
    } else if (flag == "--trace-slow-arrivals") {
      options.trace_flaps_sigma = parse_number<double>(flag, value);
      options.traced = Traced::kSlowArrivals;
    } else {
      usage("unknown option " + std::string(flag));
    }
  }
  return options;
}

config::Config service_config(const Options& options) {
  if (options.config_file.empty()) return config::Config{};
  auto loaded = config::load_config(options.config_file, config::process_environment());
  if (!loaded) usage("--config: " + loaded.error().message);
  return *loaded;
}

// One simulated configuration's figures.
struct Column {
  std::string title;
  testing::AccuracyMetrics metrics;
  std::vector<double> leave_delays;
  std::size_t customers = 0;
};

// Calibration: what staff record per zone (one scan a second).
constexpr int kCalibrationScansPerZone = 30;

// The store with fewer beacons than tables: the entrance's and two tables'.
const std::vector<int> kFewBeaconTables{2, 5};

testing::SimulationSettings simulation_settings(const Options& options, double sigma_db,
                                                const std::vector<int>& beacon_tables) {
  testing::SimulationSettings settings;
  settings.customers = options.customers;
  settings.store.seed = options.seed;
  settings.store.noise_sigma_db = sigma_db;
  settings.store.body_shadow_db = options.body_shadow_db;
  settings.store.drop_probability = options.drop_probability;
  settings.store.beacon_tables = beacon_tables;
  return settings;
}

// The simulated store's floor plan (and so its zone model), calibrated or not,
// with its zones' floor positions or, as a store that gives none, without.
domain::FloorPlan simulated_plan(const Options& options, const config::Config& service,
                                 const testing::SimulationSettings& settings, bool calibrated,
                                 bool with_positions = true) {
  const testing::SyntheticStore store(settings.store);
  std::vector<domain::StoreFingerprints> calibration;
  if (calibrated) {
    calibration.push_back(testing::calibration_walk(settings.store, kCalibrationScansPerZone, options.seed + 1000));
  }
  auto plan =
      domain::FloorPlan::build({store.store(with_positions)}, store.beacons(), calibration, {}, service.zone_filter);
  if (!plan || plan->find_zone_model(settings.store.store_id) == nullptr)
    usage("the simulated store produced no zone model");
  return std::move(*plan);
}

Column simulate(const Options& options, const config::Config& service, double sigma_db, bool calibrated,
                const std::vector<int>& beacon_tables = {}, bool with_positions = true) {
  const testing::SimulationSettings settings = simulation_settings(options, sigma_db, beacon_tables);
  testing::StoreSimulator simulator(settings);
  const domain::ZoneResolver resolver(service.resolver);
  const domain::FloorPlan plan = simulated_plan(options, service, settings, calibrated, with_positions);
  const domain::ZoneModel* model = plan.find_zone_model(settings.store.store_id);
  const std::vector<testing::CustomerTrack> tracks = simulator.run(testing::zone_filter_resolver(resolver, *model));

  Column column;
  column.title = "σ " + number(sigma_db, 0) + (calibrated ? " calibrated" : " path loss");
  if (!beacon_tables.empty()) {
    column.title += ", " + std::to_string(simulator.store().beacons().size()) + " beacons / " +
                    std::to_string(settings.store.tables) + " tables";
  }
  if (!with_positions) column.title += ", no floor positions";
  column.metrics = testing::measure(tracks);
  column.customers = tracks.size();
  column.leave_delays = leave_delays(tracks, settings.store.store_id,
                                     LeaveProbeSettings{service.presence.leave_after, service.presence.sweep_interval,
                                                        settings.store.report_interval, options.seed});
  return column;
}

std::string p50_p90(const testing::Delays& delays, int decimals) {
  return or_never(delays.quantile(0.5), decimals) + " / " + or_never(delays.quantile(0.9), decimals);
}

void add_simulated_rows(ReportTable& table, const std::vector<Column>& columns) {
  auto row = [&](std::string metric, auto cell) {
    std::vector<std::string> cells;
    for (const Column& column : columns) cells.push_back(cell(column));
    table.add_row(std::move(metric), std::move(cells));
  };
  row("sightings at the right table, ≥ 3 s seated (target ≥ 95% at σ 6)",
      [](const Column& c) { return percent(c.metrics.seated_accuracy(), 2); });
  row("arrivals at a table placed within 2 sightings (target ≥ 95% at σ 6)",
      [](const Column& c) { return percent(c.metrics.arrival_reports.share_within(2.0)); });
  row("arrival → placed, sightings p50 / p90", [](const Column& c) { return p50_p90(c.metrics.arrival_reports, 0); });
  row("arrival → placed, seconds p50 / p90", [](const Column& c) { return p50_p90(c.metrics.arrival_seconds, 0); });
  row("entrance detected on the first sighting",
      [](const Column& c) { return percent(c.metrics.entrance_reports.share_within(1.0)); });
  row("entrance detected, sightings p90 / never", [](const Column& c) {
    return or_never(c.metrics.entrance_reports.quantile(0.9), 0) + " / " +
           std::to_string(c.metrics.entrance_reports.never);
  });
  row("flaps per stationary hour", [](const Column& c) { return number(c.metrics.flaps_per_hour(), 3); });
  row("customers with zero flaps in their stationary hour (target ≥ 99% at σ 6 and 8)",
      [](const Column& c) { return percent(c.metrics.share_without_flaps()); });
  row("leave detected after, s p50 / max (detected / customers)", [](const Column& c) {
    if (c.leave_delays.empty()) return std::string("never");
    return number(c.leave_delays[c.leave_delays.size() / 2], 0) + " / " + number(c.leave_delays.back(), 0) + " (" +
           std::to_string(c.leave_delays.size()) + " / " + std::to_string(c.customers) + ")";
  });
}

// The cross-validated calibration report over every scan of the data set.
std::string calibration_report_text(const LabeledDataset& dataset, const domain::ZoneModelSettings& settings) {
  std::vector<const domain::Beacon*> beacons;
  for (const domain::Beacon& beacon : dataset.beacons) beacons.push_back(&beacon);
  domain::StoreFingerprints calibration{"labeled-dataset", {}};
  for (const LabeledScan& scan : dataset.scans) calibration.samples.push_back(scan.sample);
  auto report = domain::cross_validated_report(grid_store(dataset), beacons, calibration, settings);
  if (!report) return "Calibration report skipped: " + report.error().message + "\n";
  std::size_t samples = 0;
  std::size_t right = 0;
  for (const auto& zone : report->zones) {
    samples += zone.samples;
    right += zone.placed_right;
  }
  std::string text = "Calibration report (all " + std::to_string(samples) + " scans, " +
                     std::to_string(report->zones.size()) +
                     " zones, each left out with the fifth of its zone's scans recorded around it): " +
                     percent(samples == 0 ? 0.0 : static_cast<double>(right) / static_cast<double>(samples)) +
                     " placed back in their zone; " + std::to_string(report->confusable.size()) +
                     " confusable pairs (at least 25% of their scans placed in the other)";
  const std::size_t shown = std::min<std::size_t>(report->confusable.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& pair = report->confusable[i];
    text += (i == 0 ? ": " : ", ") + pair.a + "/" + pair.b + " " + percent(pair.share, 0);
  }
  return text + (shown < report->confusable.size() ? ", …" : "") + ".\n";
}

// Answers are scored from a customer's 3rd report on.
constexpr std::size_t kScoredFromReport = 3;

// `n` of a replay's scored answers, as a percentage.
std::string share_of(const SequenceResult& r, std::size_t n) {
  return percent(r.answers == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(r.answers));
}

// The filter against the per-scan baselines: exact and within-one-cell
// shares of the scored answers, under the rows' labels.
std::string sequence_table(const SequenceResult& r, const std::string& exact, const std::string& near) {
  auto share = [&r](std::size_t n) { return share_of(r, n); };
  ReportTable table({"zone filter (sequences)", "sticky HMM (sequences)", "kNN k = 3 (per scan)",
                     "kNN k = 1 (per scan)", "strongest beacon (per scan)"});
  table.add_row(exact, {share(r.filter.exact), share(r.sticky_hmm.exact), share(r.knn3.exact), share(r.knn1.exact),
                        share(r.strongest.exact)});
  table.add_row(near, {share(r.filter.near), share(r.sticky_hmm.near), share(r.knn3.near), share(r.knn1.near),
                       share(r.strongest.near)});
  return table.markdown();
}

// The same data under the owners' protocol (replay_halves).
std::string halves_table(const LabeledDataset& dataset, const domain::ZoneModelSettings& settings) {
  const SequenceResult r = replay_halves(dataset, grid_store(dataset), kScoredFromReport, settings);
  return "The same data split as the owners' test does: each cell's scans in the order recorded, the first half "
         "calibrates, the second half is one customer reporting a scan a second (" +
         std::to_string(r.customers) + " customers, " + std::to_string(r.answers) +
         " answers scored from the 3rd report on).\n\n" +
         sequence_table(r, "exact cell", "that cell or a neighbouring one");
}

std::string real_data_note(const SequenceResult& r, const std::filesystem::path& csv);

// The building's scans as a labeled dataset of one day, each zone's a second
// apart.
LabeledDataset as_labeled_dataset(const testing::TwoFloorBuilding& building) {
  LabeledDataset dataset{building.beacons, {}};
  int second = 0;
  for (const auto& zone : building.scans) {
    for (const domain::FingerprintSample& sample : zone)
      dataset.scans.push_back(LabeledScan{"simulated", second++, sample});
  }
  return dataset;
}

// The simulated two-floor building (support/two_floor_building.h) under the owners'
// protocol, at their three transmit powers: exact zone per method.
std::string building_table(const Options& options, const domain::ZoneModelSettings& settings) {
  const std::vector<double> powers{0.0, -4.0, -8.0};
  std::vector<std::string> titles;
  std::vector<SequenceResult> results;
  for (const double power : powers) {
    const testing::TwoFloorBuilding building = testing::two_floor_building(power, options.seed);
    results.push_back(replay_halves(as_labeled_dataset(building), building.store, kScoredFromReport, settings,
                                    testing::building_floor));
    titles.push_back("Tx " + number(power, 0) + " dBm");
  }
  ReportTable table(titles);
  auto row = [&](const std::string& method, auto hits) {
    std::vector<std::string> cells;
    for (const SequenceResult& r : results) cells.push_back(share_of(r, hits(r)));
    table.add_row(method, std::move(cells));
  };
  row("zone filter (sequences), exact zone", [](const SequenceResult& r) { return r.filter.exact; });
  row("zone filter (sequences), right floor (target ≥ 98% on the owners' data)",
      [](const SequenceResult& r) { return r.filter.floor; });
  row("sticky HMM (sequences), exact zone", [](const SequenceResult& r) { return r.sticky_hmm.exact; });
  row("sticky HMM (sequences), right floor", [](const SequenceResult& r) { return r.sticky_hmm.floor; });
  row("kNN k = 3 (per scan), exact zone", [](const SequenceResult& r) { return r.knn3.exact; });
  row("kNN k = 1 (per scan), exact zone", [](const SequenceResult& r) { return r.knn1.exact; });
  row("strongest beacon (per scan), exact zone", [](const SequenceResult& r) { return r.strongest.exact; });
  return "Simulated two-floor building (28 zones, 6 beacons, 100 scans a zone; the first half calibrates, the "
         "second half is one customer; " +
         std::to_string(results.front().answers) + " answers a column from the 3rd report on), seed " +
         std::to_string(options.seed) + ".\n\n" + table.markdown();
}

// The real-data table, or why it is missing.
std::string real_data_table(const Options& options, const config::Config& service) {
  const std::filesystem::path csv = std::filesystem::path(options.dataset_dir) / "iBeacon_RSSI_Labeled.csv";
  if (!std::filesystem::exists(csv)) {
    return "Real data skipped: " + csv.string() +
           " does not exist (run from the repository root, or pass --dataset DIR / ACCURACY_DATASET=DIR).\n";
  }
  auto dataset = read_labeled_dataset(csv.string());
  if (!dataset) return "Real data skipped: " + dataset.error().message + "\n";
  const SequenceResult r = replay_sequences(*dataset, kScoredFromReport, service.zone_filter);
  return real_data_note(r, csv) +
         sequence_table(r, "exact cell (target ≥ 50%)", "that cell or a neighbouring one (target ≥ 70%)") + "\n" +
         halves_table(*dataset, service.zone_filter) + "\n" + calibration_report_text(*dataset, service.zone_filter);
}

std::string real_data_note(const SequenceResult& r, const std::filesystem::path& csv) {
  return "Real data: " + csv.filename().string() + ", leave-one-day-out over " + std::to_string(r.days) +
         " recording days; each cell's scans of one day are one customer (" + std::to_string(r.customers) +
         " customers), calibration from the other days; " + std::to_string(r.answers) +
         " answers scored from each customer's 3rd report on (a shorter sequence: its last answer); " +
         std::to_string(r.unseen_cells) + " of them are of cells no other day recorded and count as misses.\n\n";
}

}  // namespace
}  // namespace tastesync::bench

int main(int argc, char** argv) {
  using namespace tastesync;
  const bench::Options options = bench::parse_options(argc, argv);
  const config::Config service = bench::service_config(options);

  if (options.trace_flaps_sigma) {
    for (const bool calibrated : {false, true}) {
      const auto settings = bench::simulation_settings(options, *options.trace_flaps_sigma, {});
      const domain::FloorPlan plan = bench::simulated_plan(options, service, settings, calibrated);
      std::cout << (calibrated ? "## calibrated\n" : "## path loss\n")
                << bench::trace_flaps(settings, domain::ZoneResolver(service.resolver),
                                      *plan.find_zone_model(settings.store.store_id), 6, options.traced);
    }
    return 0;
  }
  const auto started = std::chrono::steady_clock::now();
  std::vector<bench::Column> columns;
  for (const double sigma : {4.0, 6.0, 8.0}) {
    columns.push_back(bench::simulate(options, service, sigma, false));
    columns.push_back(bench::simulate(options, service, sigma, true));
  }
  columns.push_back(bench::simulate(options, service, 6.0, false, bench::kFewBeaconTables));
  columns.push_back(bench::simulate(options, service, 6.0, true, bench::kFewBeaconTables));
  // A store that gives its zones no floor positions (the demo store; any
  // store its owner has not measured, docs/accuracy.md): the same customers.
  for (const double sigma : {6.0, 8.0}) {
    columns.push_back(bench::simulate(options, service, sigma, false, {}, false));
    columns.push_back(bench::simulate(options, service, sigma, true, {}, false));
  }

  std::vector<std::string> titles;
  for (const bench::Column& column : columns) titles.push_back(column.title);
  bench::ReportTable table(titles);
  bench::add_simulated_rows(table, columns);
  const std::string real_data = bench::real_data_table(options, service);

  const testing::SyntheticStoreConfig store;
  std::cout << "Simulated store: entrance + " << store.tables << " tables " << bench::number(store.table_spacing_m, 0)
            << " m apart in a row, path-loss exponent " << bench::number(store.path_loss_exponent, 1)
            << ", 1 report/s, " << bench::percent(options.drop_probability) << " advertisements dropped, body shadow "
            << bench::number(options.body_shadow_db, 0) << " dB; " << options.customers
            << " customers per column (wait 3-10 s, 1 h at a table, 30% move to another for 10 min, leave), seed "
            << options.seed << ".\n\n"
            << table.markdown() << "\n"
            << real_data << "\n"
            << bench::building_table(options, service.zone_filter) << "\n";
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "\n(" << bench::number(took, 1) << " s)\n";
  return 0;
}
