// What the store scanners' crypto costs: deriving one rotating phone id, the
// per-window index rebuild it implies for N registered phones, a lookup, and
// verifying an entrance code. Run beside BM_FloorPlanLookup (the baseline in
// identify_use_case_bench.cpp) in the same `micro_bench` run.

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <random>
#include <string>
#include <vector>

#include "infrastructure/crypto/customer_code_codec.h"
#include "infrastructure/crypto/phone_beacon_index.h"
#include "infrastructure/crypto/rotating_beacon_id.h"

namespace {

using namespace tastesync;

constexpr std::chrono::seconds kPeriod{120};
const domain::Timestamp kStart{std::chrono::seconds(1'750'000'000)};

std::string random_secret(std::mt19937_64& random) {
  std::string secret(32, '\0');
  for (char& c : secret) c = static_cast<char>(random() & 0xff);
  return secret;
}

class BenchDevices final : public application::CustomerDeviceStorePort {
 public:
  explicit BenchDevices(std::size_t count) {
    std::mt19937_64 random(42);
    for (std::size_t i = 0; i < count; ++i) {
      devices_.push_back({"customer-" + std::to_string(i), "phone-" + std::to_string(i), random_secret(random),
                          static_cast<std::int64_t>(i + 1)});
    }
  }
  domain::Result<application::CustomerDevice> add(const std::string&) override {
    return domain::fail(domain::ErrorCode::kInternal, "not in this benchmark");
  }
  domain::Result<std::vector<application::CustomerDevice>> load_after(std::int64_t seq,
                                                                      std::size_t limit) const override {
    std::vector<application::CustomerDevice> out;
    for (auto i = static_cast<std::size_t>(seq); i < devices_.size() && out.size() < limit; ++i) {
      out.push_back(devices_[i]);
    }
    return out;
  }
  const std::string& secret(std::size_t i) const { return devices_[i].secret; }

 private:
  std::vector<application::CustomerDevice> devices_;
};

// Heap in use, small blocks and large (mmapped) ones.
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// CPU time of every thread of this process.
double process_cpu_ms() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return ms(usage.ru_utime) + ms(usage.ru_stime);
}

void BM_RotatingBeaconId(benchmark::State& state) {
  std::mt19937_64 random(1);
  const std::string secret = random_secret(random);
  std::int64_t counter = 14'000'000;
  for (auto _ : state) benchmark::DoNotOptimize(infrastructure::rotating_beacon_id(secret, ++counter));
}
BENCHMARK(BM_RotatingBeaconId);

// One iteration = the window turns: the background build computes the new
// window's ids (one HMAC per phone) and swaps its snapshot in; the iteration
// waits for the swap so that it times the whole build. Lookups meanwhile
// are not blocked (BM_PhoneIndexLookupDuringBuild). bytes_per_phone is what the
// index holds on the heap (the phones' ids, secrets and four windows of ids),
// read from malloc's counters around the cold load.
void BM_PhoneIndexWindowRebuild(benchmark::State& state) {
  const auto phones = static_cast<std::size_t>(state.range(0));
  BenchDevices devices(phones);
  const std::size_t heap_before = heap_in_use();
  infrastructure::PhoneBeaconIndex index(devices, kPeriod, std::chrono::hours(1));
  domain::Timestamp now = kStart;
  (void)index.resolve(0, 0, now);  // the initial load
  const std::size_t heap_after = heap_in_use();
  const double cpu_before = process_cpu_ms();
  for (auto _ : state) {
    now += kPeriod;
    benchmark::DoNotOptimize(index.resolve(0, 0, now));
    index.wait_for_background_build();
  }
  // The build runs on its own thread: the benchmark's CPU column misses it.
  state.counters["build_cpu_ms"] = (process_cpu_ms() - cpu_before) / static_cast<double>(state.iterations());
  state.counters["phones"] = static_cast<double>(phones);
  state.counters["bytes_per_phone"] =
      static_cast<double>(heap_after - heap_before) / static_cast<double>(std::max<std::size_t>(phones, 1));
}
BENCHMARK(BM_PhoneIndexWindowRebuild)
    ->Arg(1000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

// Lookups while the window turns at 100,000 phones: each iteration is one
// lookup. Every 2,000 lookups the window turns, which starts a background
// build, and the next 2,000 run beside it (they take a few ms, the build
// hundreds); the wait for the build to finish is not timed. Compare with
// BM_PhoneIndexLookup (no build running).
void BM_PhoneIndexLookupDuringBuild(benchmark::State& state) {
  const auto phones = static_cast<std::size_t>(state.range(0));
  BenchDevices devices(phones);
  infrastructure::PhoneBeaconIndex index(devices, kPeriod, std::chrono::hours(1));
  domain::Timestamp now = kStart;
  (void)index.resolve(0, 0, now);
  auto id =
      *infrastructure::rotating_beacon_id(devices.secret(phones / 2), infrastructure::rotation_counter(now, kPeriod));
  std::size_t found = 0;
  std::int64_t step = 0;
  for (auto _ : state) {
    if (++step % 2000 == 0) {
      state.PauseTiming();
      index.wait_for_background_build();
      now += kPeriod;
      id = *infrastructure::rotating_beacon_id(devices.secret(phones / 2),
                                               infrastructure::rotation_counter(now, kPeriod));
      state.ResumeTiming();
    }
    auto matches = index.resolve(id.major, id.minor, now);
    if (matches && !matches->empty()) ++found;
  }
  index.wait_for_background_build();
  state.counters["found_share"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_PhoneIndexLookupDuringBuild)->Arg(100000)->Iterations(20000);

void BM_PhoneIndexLookup(benchmark::State& state) {
  const auto phones = static_cast<std::size_t>(state.range(0));
  BenchDevices devices(phones);
  infrastructure::PhoneBeaconIndex index(devices, kPeriod, std::chrono::hours(1));
  const auto id = *infrastructure::rotating_beacon_id(devices.secret(phones / 2),
                                                      infrastructure::rotation_counter(kStart, kPeriod));
  (void)index.resolve(0, 0, kStart);
  for (auto _ : state) benchmark::DoNotOptimize(index.resolve(id.major, id.minor, kStart));
}
BENCHMARK(BM_PhoneIndexLookup)->Arg(100000);

void BM_CustomerCodeVerify(benchmark::State& state) {
  auto codec = infrastructure::HmacCustomerCodeCodec::create(
      infrastructure::HmacKeyRing({{"cc-1", std::string(32, 'k')}}, "cc-1"), kPeriod);
  const auto code = (*codec)->issue("alice", kStart);
  for (auto _ : state) benchmark::DoNotOptimize((*codec)->verify(code->code, kStart));
}
BENCHMARK(BM_CustomerCodeVerify);

}  // namespace
