// What the store scanners' crypto costs: deriving one rotating phone id, the
// per-window index rebuild it implies for N registered phones, a lookup, and
// verifying an entrance code. Run beside BM_FloorPlanLookup (the baseline in
// identify_use_case_bench.cpp) in the same `micro_bench` run.

#include <benchmark/benchmark.h>

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

void BM_RotatingBeaconId(benchmark::State& state) {
  std::mt19937_64 random(1);
  const std::string secret = random_secret(random);
  std::int64_t counter = 14'000'000;
  for (auto _ : state) benchmark::DoNotOptimize(infrastructure::rotating_beacon_id(secret, ++counter));
}
BENCHMARK(BM_RotatingBeaconId);

// One iteration = the window turns: every phone's three ids are recomputed.
void BM_PhoneIndexWindowRebuild(benchmark::State& state) {
  const auto phones = static_cast<std::size_t>(state.range(0));
  BenchDevices devices(phones);
  infrastructure::PhoneBeaconIndex index(devices, kPeriod, std::chrono::hours(1));
  domain::Timestamp now = kStart;
  (void)index.resolve(0, 0, now);  // the initial load
  for (auto _ : state) {
    now += kPeriod;
    benchmark::DoNotOptimize(index.resolve(0, 0, now));
  }
  state.counters["phones"] = static_cast<double>(phones);
}
BENCHMARK(BM_PhoneIndexWindowRebuild)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

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
  auto codec = infrastructure::HmacCustomerCodeCodec::create({{"cc-1", std::string(32, 'k')}}, "cc-1", kPeriod);
  const auto code = (*codec)->issue("alice", kStart);
  for (auto _ : state) benchmark::DoNotOptimize((*codec)->verify(code->code, kStart));
}
BENCHMARK(BM_CustomerCodeVerify);

}  // namespace
