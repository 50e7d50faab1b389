// `make bench`: an async gRPC load generator against the real server binary.
//
// It compares Identify (beacon sightings) with Baseline/Noop, an empty handler
// on the same server stack (TLS, auth, token cache), measured in the same run:
// absolute numbers on the 2-core dev machines vary by ±30% between runs, the
// ratio much less (docs/design.md, "Facts about the dependencies").
//
// Load model: a closed loop of exactly N requests in flight, spread over C
// channels (separate TCP/TLS connections); each completion immediately issues
// the next request from the same slot. Client and server share the cores, so
// the client does as little per request as it can: requests, tokens and
// metadata strings are built once, and the only per-request work is the
// request id, the ClientContext and the call itself. One pass is paced
// instead: Identify offered half the throughput it reached warm, to see its
// tail latency below saturation (the slots issue on a schedule, and latency
// counts from when a request was due).

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "auth/jwt_signer.h"
#include "customer_id.grpc.pb.h"
#include "delivery_latency.h"
#include "local_stack/project_files.h"
#include "local_stack/server_process.h"

namespace tastesync::bench {
using local_stack::dev_keys_dir;
using local_stack::interrupted;
using local_stack::load_test_config;
using local_stack::read_text;
using local_stack::ServerOptions;
using local_stack::ServerProcess;
using local_stack::source_dir;
namespace {

namespace v1 = ::tastesync::customer_id::v1;
using Clock = std::chrono::steady_clock;

constexpr const char* kDemoUuid = "f7826da6-4fa2-4e98-8024-bc5b71e0893e";
constexpr unsigned kDemoMajor = 100;
constexpr unsigned kTableThreeMinor = 3;
constexpr std::chrono::seconds kRequestDeadline{10};
constexpr double kMaxErrorRate = 0.001;

struct Options {
  int seconds = 5;
  int in_flight = 64;
  int channels = 4;
  int warmup_seconds = 1;
  int floor_seconds = 2;  // the 1-in-flight latency-floor passes
  int customers = 1000;
  int client_threads = 0;  // 0: one per core, at most one per channel
  // --mode: "throughput" (Identify vs Noop), "delivery" (commit -> Kafka
  // delivery latency, delivery_latency.h), or "all" (both, the default).
  std::string mode = "all";
  int delivery_seconds = 10;
  int delivery_rate = 200;
  // The latency-vs-throughput sweep (1, 2, 4 ... 256 in flight, both targets):
  // seconds per level (0 skips it), and the SVG gnuplot draws of it.
  int sweep_seconds = 2;
  std::string plot = "docs/images/latency-vs-throughput.svg";
  ServerOptions server;  // PostgreSQL / Redis to use (default: the server's own)
};

enum class Target { kNoop, kIdentify };
const char* name(Target target) { return target == Target::kNoop ? "Baseline/Noop" : "Identify"; }

struct PassConfig {
  Target target;
  int in_flight;
  int channels;
  int client_threads;
  int warmup_seconds;
  int seconds;
  // > 0: not timed; ends once this many requests were answered (the seating
  // pass that gets every customer to their table before anything is timed).
  std::int64_t requests = 0;
  // > 0: paced instead of closed loop. Each slot issues on a schedule, the
  // slots together at this rate; a request's latency counts from when it was
  // due, so a late answer that delays the next request is counted too.
  double paced_per_second = 0;
};

struct PassResult {
  PassConfig config;
  std::uint64_t requests = 0;  // OK completions inside the timed window
  double seconds = 0;
  double per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  std::uint64_t errors = 0;                                            // non-OK completions in the whole pass
  std::uint64_t completed = 0;                                         // all completions in the whole pass
  std::map<int, std::pair<std::uint64_t, std::string>> error_samples;  // code -> count, first message
  double server_cpu_us = 0;                                            // per OK request in the timed window
  double client_cpu_us = 0;
};

// What every slot shares. The timed window is published as steady_clock
// nanoseconds so completion threads read it without locks.
struct Shared {
  const std::vector<std::string>* bearers = nullptr;
  std::atomic<std::int64_t> window_start{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> window_end{std::numeric_limits<std::int64_t>::max()};
  std::atomic<bool> stopping{false};
  std::atomic<int> outstanding{0};
  std::int64_t budget = 0;  // PassConfig::requests
  std::atomic<std::int64_t> issued{0};
  std::int64_t pace_ns = 0;  // paced: each slot's interval between requests
};

// Written only by one completion thread; merged after the pass.
struct ThreadStats {
  std::vector<std::int64_t> latencies_ns;
  std::uint64_t ok_in_window = 0;
  std::uint64_t errors = 0;
  std::uint64_t completed = 0;
  std::map<int, std::pair<std::uint64_t, std::string>> error_samples;
};

// CPU seconds (user + system, all threads) a process has used so far, from
// /proc/<pid>/stat. CPU per request is far less disturbed by other work on
// the machine than req/s, and it says whether the client or the server is
// the one burning the shared cores.
double cpu_seconds(const std::string& pid) {
  const std::string stat = read_text("/proc/" + pid + "/stat");
  const auto after_name = stat.rfind(')');
  if (after_name == std::string::npos) return 0;
  std::istringstream fields(stat.substr(after_name + 2));
  std::string skip;
  // Fields 3..13 precede utime (14) and stime (15).
  for (int i = 3; i <= 13; ++i) fields >> skip;
  double user = 0, system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Sleeps, but returns early on Ctrl-C so the bench can still clean up.
void sleep_unless_interrupted(std::chrono::seconds duration) {
  const auto until = Clock::now() + duration;
  while (!interrupted() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Five sightings of the demo store, the table-3 beacon clearly strongest:
// the phone of a customer seated at table 3.
void fill(v1::IdentifyRequest& request) {
  for (unsigned minor = 0; minor <= 4; ++minor) {
    auto* sighting = request.mutable_beacons()->add_sightings();
    sighting->set_uuid(kDemoUuid);
    sighting->set_major(kDemoMajor);
    sighting->set_minor(minor);
    sighting->set_rssi(minor == kTableThreeMinor ? -52 : -80);
  }
}
void fill(v1::NoopRequest&) {}

// A cheap sanity check on every answer, so a bench that "succeeds" with wrong
// answers (say, the customer placed at the entrance) counts them as errors.
const char* wrong_answer(const v1::IdentifyRequest&, const v1::IdentifyResponse& response) {
  return response.location().zone_id() == "table-3" ? nullptr : "Identify did not place the customer at table-3";
}
const char* wrong_answer(const v1::NoopRequest& request, const v1::NoopResponse& response) {
  return response.request_id() == request.request_id() ? nullptr : "Noop did not echo the request_id";
}

template <typename Stub, typename Request>
auto prepare(Stub& stub, grpc::ClientContext* context, const Request& request, grpc::CompletionQueue* cq) {
  if constexpr (std::is_same_v<Request, v1::IdentifyRequest>) {
    return stub.PrepareAsyncIdentify(context, request, cq);
  } else {
    return stub.PrepareAsyncNoop(context, request, cq);
  }
}

// One of the N in-flight requests. Its completion tag is the slot itself; only
// the thread polling its completion queue touches it after the first issue.
template <typename Service, typename Request, typename Response>
class Slot {
 public:
  Slot(typename Service::Stub& stub, grpc::CompletionQueue& cq, Shared& shared, ThreadStats& stats, int pass, int index,
       int in_flight)
      : stub_(stub), cq_(cq), shared_(shared), stats_(stats), index_(index), in_flight_(in_flight) {
    fill(request_);
    // Unique per pass and slot; the sequence number is appended per request,
    // so Identify's idempotency cache never answers from memory.
    id_prefix_ = "b" + std::to_string(pass) + "-" + std::to_string(index) + "-";
    std::memcpy(id_buffer_, id_prefix_.data(), id_prefix_.size());
  }

  void issue() {
    char* end = id_buffer_ + id_prefix_.size();
    end = std::to_chars(end, id_buffer_ + sizeof id_buffer_, sequence_).ptr;
    request_.set_request_id(id_buffer_, static_cast<std::size_t>(end - id_buffer_));
    // Customers round-robin over the slots: slot s, request k uses customer
    // s + k*N, so concurrent slots rarely share a customer.
    const auto& bearers = *shared_.bearers;
    const std::size_t customer =
        (static_cast<std::size_t>(index_) + sequence_ * static_cast<std::size_t>(in_flight_)) % bearers.size();
    ++sequence_;

    reader_.reset();
    context_.reset();
    context_.emplace();
    context_->AddMetadata("authorization", bearers[customer]);
    context_->set_deadline(std::chrono::system_clock::now() + kRequestDeadline);
    // Paced: from when it was due (it may be issued late); else from now.
    started_ns_ = shared_.pace_ns > 0 ? due_ns_ : now_ns();
    reader_ = prepare(stub_, &*context_, request_, &cq_);
    reader_->StartCall();
    reader_->Finish(&response_, &status_, this);
  }

  // Paced: the first request is due at `first_due_ns`.
  void start(std::int64_t first_due_ns) {
    due_ns_ = first_due_ns;
    wait_or_issue();
  }

  void on_complete() {
    if (waiting_) {  // the alarm of a paced slot: its next request is due
      waiting_ = false;
      if (shared_.stopping.load(std::memory_order_relaxed)) {
        shared_.outstanding.fetch_sub(1, std::memory_order_acq_rel);
      } else {
        issue();
      }
      return;
    }
    const std::int64_t finished = now_ns();
    ++stats_.completed;
    if (const char* wrong = status_.ok() ? wrong_answer(request_, response_) : nullptr) {
      status_ = grpc::Status(grpc::StatusCode::DATA_LOSS, wrong);
    }
    if (status_.ok()) {
      if (finished >= shared_.window_start.load(std::memory_order_relaxed) &&
          finished < shared_.window_end.load(std::memory_order_relaxed)) {
        stats_.latencies_ns.push_back(finished - started_ns_);
        ++stats_.ok_in_window;
      }
    } else {
      ++stats_.errors;
      auto& sample = stats_.error_samples[status_.error_code()];
      if (sample.first++ == 0) sample.second = status_.error_message();
    }
    const bool spent = shared_.budget > 0 && shared_.issued.fetch_add(1, std::memory_order_relaxed) >= shared_.budget;
    if (spent || shared_.stopping.load(std::memory_order_relaxed)) {
      shared_.outstanding.fetch_sub(1, std::memory_order_acq_rel);
    } else if (shared_.pace_ns > 0) {
      due_ns_ += shared_.pace_ns;
      wait_or_issue();
    } else {
      issue();
    }
  }

 private:
  // Issues now when the next request is due (or overdue), else sets an alarm
  // on the completion queue for when it is.
  void wait_or_issue() {
    const std::int64_t early_ns = due_ns_ - now_ns();
    if (early_ns <= 0) {
      issue();
      return;
    }
    waiting_ = true;
    alarm_.Set(&cq_, std::chrono::system_clock::now() + std::chrono::nanoseconds(early_ns), this);
  }

  typename Service::Stub& stub_;
  grpc::CompletionQueue& cq_;
  Shared& shared_;
  ThreadStats& stats_;
  int index_;
  int in_flight_;
  std::size_t sequence_ = 0;
  std::string id_prefix_;
  char id_buffer_[64]{};
  Request request_;
  Response response_;
  grpc::Status status_;
  std::optional<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader_;
  std::int64_t started_ns_ = 0;
  std::int64_t due_ns_ = 0;  // paced: when the next request is due
  bool waiting_ = false;     // paced: the alarm is set, no call is open
  grpc::Alarm alarm_;
};

// Nearest-rank percentile of sorted values.
double percentile_us(const std::vector<std::int64_t>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size()));
  return static_cast<double>(sorted[std::min(rank, sorted.size() - 1)]) / 1000.0;
}

std::shared_ptr<grpc::Channel> open_channel(int port, int pass, int index, const std::string& ca_pem) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  grpc::ChannelArguments args;
  // Distinct args and a local subchannel pool: each channel gets its own TCP
  // connection instead of sharing one through gRPC's global subchannel pool.
  args.SetInt("bench.channel", pass * 1000 + index);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // The dev certificate names localhost; the server binds 127.0.0.1 only.
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::SslCredentials(ssl), args);
}

template <typename Service, typename Request, typename Response>
PassResult run_pass(const PassConfig& config, int pass, pid_t server_pid, int port, const std::string& ca_pem,
                    const std::vector<std::string>& bearers) {
  PassResult result;
  result.config = config;

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<typename Service::Stub>> stubs;
  for (int i = 0; i < config.channels; ++i) {
    channels.push_back(open_channel(port, pass, i, ca_pem));
    // Connect (TCP + TLS handshake) before the clock starts.
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
      result.errors = 1;
      result.error_samples[grpc::StatusCode::UNAVAILABLE] = {1, "channel did not connect within 10 s"};
      return result;
    }
    stubs.push_back(Service::NewStub(channels.back()));
  }

  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues;
  std::vector<ThreadStats> stats(static_cast<std::size_t>(config.client_threads));
  for (int i = 0; i < config.client_threads; ++i) {
    queues.push_back(std::make_unique<grpc::CompletionQueue>());
    stats[static_cast<std::size_t>(i)].latencies_ns.reserve(
        static_cast<std::size_t>(config.seconds) * 40000 / static_cast<std::size_t>(config.client_threads) + 1024);
  }

  Shared shared;
  shared.bearers = &bearers;
  shared.budget = config.requests;
  if (config.paced_per_second > 0) {
    shared.pace_ns = static_cast<std::int64_t>(1e9 * config.in_flight / config.paced_per_second);
  }
  shared.issued.store(config.in_flight);
  using SlotT = Slot<Service, Request, Response>;
  std::vector<std::unique_ptr<SlotT>> slots;
  for (int i = 0; i < config.in_flight; ++i) {
    const auto q = static_cast<std::size_t>(i % config.client_threads);
    slots.push_back(std::make_unique<SlotT>(*stubs[static_cast<std::size_t>(i % config.channels)], *queues[q], shared,
                                            stats[q], pass, i, config.in_flight));
  }

  std::vector<std::thread> pollers;
  for (auto& queue : queues) {
    pollers.emplace_back([cq = queue.get()] {
      void* tag = nullptr;
      bool ok = false;
      // Finish() always completes with ok == true; failures are in the status.
      while (cq->Next(&tag, &ok)) static_cast<SlotT*>(tag)->on_complete();
    });
  }

  shared.outstanding.store(config.in_flight);
  if (shared.pace_ns > 0) {
    // Staggered over one interval, so the rate is even from the start.
    const std::int64_t begin = now_ns();
    for (std::size_t i = 0; i < slots.size(); ++i) {
      slots[i]->start(begin + shared.pace_ns * static_cast<std::int64_t>(i) / config.in_flight);
    }
  } else {
    for (auto& slot : slots) slot->issue();
  }
  if (config.requests > 0) {
    const auto until = Clock::now() + std::chrono::minutes(2);
    while (!interrupted() && shared.outstanding.load() > 0 && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    shared.stopping.store(true);
    for (auto& queue : queues) queue->Shutdown();
    for (auto& poller : pollers) poller.join();
    for (auto& s : stats) {
      result.errors += s.errors;
      result.completed += s.completed;
    }
    return result;
  }

  sleep_unless_interrupted(std::chrono::seconds(config.warmup_seconds));
  const std::string server = std::to_string(server_pid);
  const double server_cpu_before = cpu_seconds(server), client_cpu_before = cpu_seconds("self");
  const std::int64_t window_start = now_ns();
  shared.window_start.store(window_start);
  sleep_unless_interrupted(std::chrono::seconds(config.seconds));
  const std::int64_t window_end = now_ns();
  shared.window_end.store(window_end);
  const double server_cpu = cpu_seconds(server) - server_cpu_before;
  const double client_cpu = cpu_seconds("self") - client_cpu_before;
  shared.stopping.store(true);

  // Drain: every slot stops re-issuing on its next completion. Requests carry
  // a 10 s deadline, so this ends even if the server stalls.
  const auto drain_deadline = Clock::now() + kRequestDeadline + std::chrono::seconds(5);
  while (shared.outstanding.load() > 0 && Clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& queue : queues) queue->Shutdown();
  for (auto& poller : pollers) poller.join();

  std::vector<std::int64_t> latencies;
  for (auto& s : stats) {
    latencies.insert(latencies.end(), s.latencies_ns.begin(), s.latencies_ns.end());
    result.requests += s.ok_in_window;
    result.errors += s.errors;
    result.completed += s.completed;
    for (const auto& [code, sample] : s.error_samples) {
      auto& merged = result.error_samples[code];
      if (merged.first == 0) merged.second = sample.second;
      merged.first += sample.first;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  result.seconds = static_cast<double>(window_end - window_start) / 1e9;
  result.per_second = static_cast<double>(result.requests) / result.seconds;
  result.p50_us = percentile_us(latencies, 0.50);
  result.p99_us = percentile_us(latencies, 0.99);
  if (result.requests > 0) {
    result.server_cpu_us = server_cpu * 1e6 / static_cast<double>(result.requests);
    result.client_cpu_us = client_cpu * 1e6 / static_cast<double>(result.requests);
  }
  return result;
}

// One line per pass of the sweep: target, in flight, req/s, p50 and p99 in ms.
std::string sweep_points(const std::vector<std::pair<PassResult, const char*>>& sweep) {
  std::ostringstream data;
  for (const Target target : {Target::kNoop, Target::kIdentify}) {
    data << "# " << name(target) << "\n";
    for (const auto& [r, cache] : sweep) {
      if (r.config.target != target || r.requests == 0) continue;
      data << r.config.in_flight << ' ' << r.per_second << ' ' << r.p50_us / 1000 << ' ' << r.p99_us / 1000 << '\n';
    }
    data << "\n\n";  // gnuplot: the next data set (index 1)
  }
  return data.str();
}

// Draws the sweep with gnuplot (scripts/deps.sh bench installs it) into an
// SVG at `path` (relative to the source tree); empty on success, else why not.
std::string plot_sweep(const std::string& points, const std::string& path) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) return "gnuplot is not installed (scripts/deps.sh bench)";
  const std::filesystem::path out =
      std::filesystem::path(path).is_absolute() ? std::filesystem::path(path) : source_dir() / path;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("grpc-load-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "sweep.dat") << points;
  std::ofstream(dir / "sweep.gp")
      << "set terminal svg size 800,480 dynamic font 'sans,12' background '#ffffff'\n"
      << "set output '" << out.string() << "'\n"
      << "set title 'gRPC, TLS 1.3, 1 ... 256 requests in flight (labels), client and server on 2 shared cores'\n"
      << "set xlabel 'throughput (requests/s)'\nset ylabel 'latency (ms)'\nset logscale y\nset grid\n"
      << "set key top left\n"
      << "plot '" << (dir / "sweep.dat").string() << "' index 0 using 2:3 with linespoints lc rgb '#888888' title "
      << "'Noop p50', '' index 0 using 2:4 with linespoints lc rgb '#888888' dt 2 title 'Noop p99', "
      << "'' index 1 using 2:3 with linespoints lc rgb '#c0392b' title 'Identify p50', "
      << "'' index 1 using 2:4 with linespoints lc rgb '#c0392b' dt 2 title 'Identify p99', "
      << "'' index 1 using 2:4:1 with labels offset 0,0.8 font ',9' notitle\n";
  const std::string command = "gnuplot " + (dir / "sweep.gp").string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::filesystem::remove_all(dir);
  return status == 0 ? std::string{} : "gnuplot failed (status " + std::to_string(status) + ")";
}

bool parse_int(std::string_view text, int& out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size() && out > 0;
}

constexpr const char* kUsage =
    "usage: grpc_load [--seconds N] [--in-flight N] [--channels N] [--warmup N] [--floor-seconds N]\n"
    "                 [--customers N] [--client-threads N]\n"
    "                 [--mode all|throughput|delivery] [--delivery-seconds N] [--delivery-rate N]\n"
    "                 [--sweep-seconds N] [--plot FILE.svg]\n"
    "  --seconds N         timed run per target at N in flight (default 5)\n"
    "  --in-flight N       requests in flight (default 64)\n"
    "  --channels N        channels = TCP/TLS connections they are spread over (default 4)\n"
    "  --warmup N          warm-up seconds before each timed run (default 1)\n"
    "  --floor-seconds N   timed run of the 1-in-flight latency-floor passes (default 2)\n"
    "  --customers N       distinct customers/tokens, used round-robin (default 1000)\n"
    "  --client-threads N  completion-queue threads (default: cores, at most one per channel)\n"
    "  --mode M            throughput, delivery (commit -> Kafka delivery latency) or all (default)\n"
    "  --delivery-seconds N  timed run of the delivery-latency stream (default 10)\n"
    "  --delivery-rate N   Identify calls per second in the delivery-latency stream (default 200)\n"
    "  --sweep-seconds N   timed run per level of the 1..256-in-flight sweep (default 2; 0 skips it)\n"
    "  --plot FILE.svg     where the sweep's plot goes (default docs/images/latency-vs-throughput.svg)\n"
    "  --postgres-url URL  run the server against this PostgreSQL (default: one of its own), e.g. the\n"
    "                      scale data of bench/scale_data.cpp\n"
    "  --redis-url URL     likewise for Redis\n";

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (arg == "--mode" && i + 1 < argc) {
      options.mode = argv[++i];
      if (options.mode != "all" && options.mode != "throughput" && options.mode != "delivery") {
        std::cerr << "grpc_load: bad --mode '" << options.mode << "'\n" << kUsage;
        return std::nullopt;
      }
      continue;
    }
    if (arg == "--plot" && i + 1 < argc) {
      options.plot = argv[++i];
      continue;
    }
    if (arg == "--postgres-url" && i + 1 < argc) {
      options.server.postgres_url = argv[++i];
      continue;
    }
    if (arg == "--redis-url" && i + 1 < argc) {
      options.server.redis_url = argv[++i];
      continue;
    }
    if (arg == "--sweep-seconds" && i + 1 < argc) {
      // 0 is allowed here: it skips the sweep.
      const std::string_view value = argv[++i];
      if (std::from_chars(value.data(), value.data() + value.size(), options.sweep_seconds).ec != std::errc{} ||
          options.sweep_seconds < 0) {
        std::cerr << "grpc_load: bad --sweep-seconds\n" << kUsage;
        return std::nullopt;
      }
      continue;
    }
    int* target = arg == "--seconds"            ? &options.seconds
                  : arg == "--in-flight"        ? &options.in_flight
                  : arg == "--channels"         ? &options.channels
                  : arg == "--warmup"           ? &options.warmup_seconds
                  : arg == "--floor-seconds"    ? &options.floor_seconds
                  : arg == "--customers"        ? &options.customers
                  : arg == "--client-threads"   ? &options.client_threads
                  : arg == "--delivery-seconds" ? &options.delivery_seconds
                  : arg == "--delivery-rate"    ? &options.delivery_rate
                                                : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_int(argv[i + 1], *target)) {
      std::cerr << "grpc_load: bad argument '" << arg << "'\n" << kUsage;
      return std::nullopt;
    }
    ++i;
  }
  options.channels = std::min(options.channels, options.in_flight);
  return options;
}

int run(const Options& options) {
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  // Other work on the machine (a compile, say) shifts both targets' numbers;
  // the load average tells a reader of the output whether it was quiet.
  std::string load_1min, load_5min;
  std::istringstream(read_text("/proc/loadavg")) >> load_1min >> load_5min;

  // Started before any gRPC or token work, while this process has one thread
  // (the server is fork()ed).
  ServerProcess server;
  ServerOptions server_options = options.server;
  server_options.extra_config = load_test_config();
  if (const std::string error = server.start(server_options); !error.empty()) {
    std::cerr << "grpc_load: " << error << '\n';
    return 1;
  }

  // One token per customer, minted once: the server caches verified tokens,
  // so after warm-up the RS256 verification is off the measured path in both
  // targets alike.
  const std::string key = read_text(dev_keys_dir() / "jwt-dev-1.key");
  std::vector<std::string> bearers;
  bearers.reserve(static_cast<std::size_t>(options.customers));
  const auto minted_at = std::chrono::system_clock::now();
  for (int i = 0; i < options.customers; ++i) {
    auto token =
        auth::mint_token(key, "dev-1", "tastesync-dev", "tastesync-customer-id", "bench-customer-" + std::to_string(i),
                         application::Role::kCustomer, "", std::chrono::hours(1), minted_at);
    if (!token) {
      std::cerr << "grpc_load: cannot mint a token: " << token.error().message << '\n';
      return 1;
    }
    bearers.push_back("Bearer " + *token);
  }
  const std::string ca_pem = read_text(dev_keys_dir() / "ca.crt");

  const auto threads_for = [&](int channels) {
    return options.client_threads > 0 ? options.client_threads : std::min(channels, static_cast<int>(cores));
  };
  std::cout << "grpc_load: server pid " << server.pid() << " on 127.0.0.1:" << server.port()
            << " (TLS 1.3, log level warn), " << options.customers << " customers, " << cores << " cores\n"
            << "  load average before the run: " << load_1min << " (1 min), " << load_5min << " (5 min)\n"
            << "  each pass: " << options.warmup_seconds << " s warm-up, then a timed run; closed loop, "
            << "a new request on every completion\n";

  int pass_id = 0;
  const auto run_one = [&](const PassConfig& pass, const char* cache) -> PassResult {
    std::cout << "  running " << name(pass.target) << " at " << pass.in_flight << " in flight over " << pass.channels
              << " channel(s), " << pass.client_threads << " client thread(s), " << cache << "...\n"
              << std::flush;
    const int id = pass_id++;
    return pass.target == Target::kNoop
               ? run_pass<v1::Baseline, v1::NoopRequest, v1::NoopResponse>(pass, id, server.pid(), server.port(),
                                                                           ca_pem, bearers)
               : run_pass<v1::CustomerIdentification, v1::IdentifyRequest, v1::IdentifyResponse>(
                     pass, id, server.pid(), server.port(), ca_pem, bearers);
  };
  const auto at = [&](Target target, int in_flight, int seconds) {
    const int channels = std::min(options.channels, in_flight);
    return PassConfig{target, in_flight, channels, threads_for(channels), options.warmup_seconds, seconds};
  };

  // A customer's first sightings are transitions (entrance, then table 3: a
  // PostgreSQL transaction each). They are not what this measures, and at 64
  // in flight they overload the server into shedding; so every customer is
  // seated first, at modest concurrency, and every timed Identify below is a
  // sighting that changes nothing.
  PassConfig seating = at(Target::kIdentify, 16, 0);
  seating.requests = static_cast<std::int64_t>(options.customers) * 4;
  const auto seat_started = Clock::now();
  const PassResult seated = run_one(seating, "seating every customer at table 3");
  std::printf("  seated %d customers: %llu requests in %.1f s, %llu refused or failed (not counted)\n",
              options.customers, static_cast<unsigned long long>(seated.completed),
              std::chrono::duration<double>(Clock::now() - seat_started).count(),
              static_cast<unsigned long long>(seated.errors));

  // Warm: this instance wrote each customer's record last (its own copy
  // serves the read). Noop before Identify at each level, so both see the
  // same warm token cache and connections of the same age.
  using Measured = std::pair<PassResult, const char*>;
  std::vector<Measured> results;
  for (const PassConfig& pass :
       {at(Target::kNoop, options.in_flight, options.seconds),
        at(Target::kIdentify, options.in_flight, options.seconds), at(Target::kNoop, 1, options.floor_seconds),
        at(Target::kIdentify, 1, options.floor_seconds)}) {
    if (interrupted()) break;
    results.emplace_back(run_one(pass, "warm"), "warm");
  }

  // The issue's latency target: Identify offered half of what it just
  // reached at this concurrency, paced; p99 should stay within 5 ms.
  // Noop offered the same rate is the machine's own tail at that load (the
  // client, TLS, the scheduler), so what Identify adds is the difference.
  std::optional<PassResult> half_load;
  std::optional<PassResult> half_load_noop;
  if (results.size() >= 2 && results[1].first.per_second > 0 && !interrupted()) {
    PassConfig pass = at(Target::kIdentify, options.in_flight, options.seconds);
    pass.paced_per_second = results[1].first.per_second / 2;
    half_load = run_one(pass, "warm, paced at half its throughput");
    pass.target = Target::kNoop;
    if (!interrupted()) half_load_noop = run_one(pass, "paced at the same rate");
  }

  // Latency against throughput, 1 ... 256 in flight, both targets (warm).
  std::vector<Measured> sweep;
  for (int in_flight = 1; options.sweep_seconds > 0 && in_flight <= 256 && !interrupted(); in_flight *= 2) {
    for (const Target target : {Target::kNoop, Target::kIdentify}) {
      PassConfig pass = at(target, in_flight, options.sweep_seconds);
      pass.warmup_seconds = 1;
      sweep.emplace_back(run_one(pass, "sweep"), "sweep");
    }
  }

  // Cold: the same customers, whose records are in Redis, on a server that
  // keeps no copy of its own (redis.presence_cache_capacity 0): every
  // request reads Redis, as the first request of a customer new to this
  // instance does (a restart, a customer routed here from another instance).
  if (!interrupted()) {
    (void)server.stop();
    if (const std::string error = server.restart({{"CUSTOMER_ID_REDIS_PRESENCE_CACHE_CAPACITY", "0"}});
        !error.empty()) {
      std::cerr << "grpc_load: restarting the server without its presence copy: " << error << '\n';
      return 1;
    }
    for (const PassConfig& pass : {at(Target::kNoop, options.in_flight, options.seconds),
                                   at(Target::kIdentify, options.in_flight, options.seconds)}) {
      if (interrupted()) break;
      results.emplace_back(run_one(pass, "cold"), "cold");
    }
  }
  if (interrupted()) {
    std::cerr << "grpc_load: interrupted; stopping the server\n";
    return 130;  // `server` stops the server and removes its directory
  }

  // "µ" is two bytes and printf pads by bytes: its columns are one wider.
  const auto print_table = [](const std::vector<Measured>& rows) {
    std::printf("\n%-14s %5s %9s %8s %9s %8s %9s %9s %6s %15s %15s\n", "target", "cache", "in-flight", "channels",
                "requests", "req/s", "p50 µs", "p99 µs", "errors", "server CPU µs", "client CPU µs");
    for (const auto& [r, cache] : rows) {
      std::printf("%-14s %5s %9d %8d %9llu %8.0f %8.0f %8.0f %6llu %10.1f/req %10.1f/req\n", name(r.config.target),
                  cache, r.config.in_flight, r.config.channels, static_cast<unsigned long long>(r.requests),
                  r.per_second, r.p50_us, r.p99_us, static_cast<unsigned long long>(r.errors), r.server_cpu_us,
                  r.client_cpu_us);
    }
  };
  print_table(results);
  std::printf("\n");
  // Pairs: (Noop, Identify) warm at N, warm at 1, cold at N.
  const char* targets[] = {" (target >= 0.70)", "", " (target >= 0.50)"};
  for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
    const PassResult& noop = results[i].first;
    const PassResult& identify = results[i + 1].first;
    const double throughput = noop.per_second > 0 ? identify.per_second / noop.per_second : 0;
    const double p99 = noop.p99_us > 0 ? identify.p99_us / noop.p99_us : 0;
    std::printf(
        "%s Identify/Noop throughput ratio at %d in flight: %.2f%s; p50 %.0f / %.0f µs, p99 %.0f / %.0f µs "
        "(p99 ratio %.2f%s); server CPU %.1f / %.1f µs per request\n",
        results[i + 1].second, noop.config.in_flight, throughput, targets[std::min<std::size_t>(i / 2, 2)],
        identify.p50_us, noop.p50_us, identify.p99_us, noop.p99_us, p99, i / 2 == 1 ? "" : ", target <= 2",
        identify.server_cpu_us, noop.server_cpu_us);
  }
  if (half_load) {
    std::printf(
        "warm Identify paced at half its throughput (%.0f req/s offered, %.0f answered, %d slots): p50 %.0f µs, "
        "p99 %.0f µs (target <= 5000 µs), %llu errors; server CPU %.1f µs per request\n",
        half_load->config.paced_per_second, half_load->per_second, half_load->config.in_flight, half_load->p50_us,
        half_load->p99_us, static_cast<unsigned long long>(half_load->errors), half_load->server_cpu_us);
  }
  if (half_load_noop) {
    std::printf("Baseline/Noop paced at the same rate (%.0f req/s answered): p50 %.0f µs, p99 %.0f µs, %llu errors\n",
                half_load_noop->per_second, half_load_noop->p50_us, half_load_noop->p99_us,
                static_cast<unsigned long long>(half_load_noop->errors));
  }
  std::printf(
      "\n%u cores on this machine, shared by this client and the server: both targets pay the same client\n"
      "and TLS costs, so the ratio is the meaningful figure; absolute numbers vary by about ±30%% between runs.\n",
      cores);
  if (!sweep.empty()) {
    std::printf("\nlatency against throughput (warm):");
    print_table(sweep);
    std::string error = plot_sweep(sweep_points(sweep), options.plot);
    if (error.empty()) {
      std::printf("plot: %s\n", options.plot.c_str());
    } else {
      std::printf("plot not drawn: %s\n", error.c_str());
    }
  }
  // Past what the server can take, the worker pool refuses calls (by design,
  // so the answered ones stay fast); in the sweep that is a figure, not a failure.
  for (const auto& [r, cache] : sweep) {
    for (const auto& [code, sample] : r.error_samples) {
      std::printf("sweep: %s at %d in flight: %llu x status %d: %s\n", name(r.config.target), r.config.in_flight,
                  static_cast<unsigned long long>(sample.first), code, sample.second.c_str());
    }
  }

  std::vector<std::string> failures;
  for (const auto& [r, cache] : results) {
    for (const auto& [code, sample] : r.error_samples) {
      std::printf("errors in %s at %d in flight: %llu x status %d: %s\n", name(r.config.target), r.config.in_flight,
                  static_cast<unsigned long long>(sample.first), code, sample.second.c_str());
    }
    const double rate = r.completed > 0 ? static_cast<double>(r.errors) / static_cast<double>(r.completed) : 1.0;
    const std::string pass = std::string(name(r.config.target)) + " at " + std::to_string(r.config.in_flight);
    if (r.errors > 0 && rate > kMaxErrorRate) failures.push_back(pass + ": more than 0.1% of requests failed");
    if (r.requests == 0) failures.push_back(pass + ": no request completed in the timed run");
  }

  // Identify keeps every request_id's answer (idempotency), so the server's
  // memory grows with the number of requests sent; worth seeing.
  std::istringstream status(read_text("/proc/" + std::to_string(server.pid()) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) {
      std::printf("server memory (RSS) after the run: %s\n", line.substr(line.find_first_not_of(" \t", 6)).c_str());
    }
  }
  const int exit_code = server.stop();
  if (exit_code != 0) {
    std::printf("server log:\n%s\n", server.log().c_str());
    failures.push_back("the server did not exit cleanly on SIGTERM (status " + std::to_string(exit_code) + ")");
  }
  for (const auto& failure : failures) std::printf("FAILED: %s\n", failure.c_str());
  if (!failures.empty()) return 1;
  return 0;
}

}  // namespace
}  // namespace tastesync::bench

int main(int argc, char** argv) {
  const auto options = tastesync::bench::parse_options(argc, argv);
  if (!options) return 2;
  int exit_code = 0;
  if (options->mode != "delivery") exit_code = tastesync::bench::run(*options);
  if (options->mode != "throughput" && !tastesync::bench::interrupted()) {
    tastesync::bench::DeliveryLatencyOptions delivery;
    delivery.seconds = options->delivery_seconds;
    delivery.rate = options->delivery_rate;
    exit_code = std::max(exit_code, tastesync::bench::run_delivery_latency(delivery));
  }
  return exit_code;
}
