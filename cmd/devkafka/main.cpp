// devkafka: the embedded development/test Kafka. Hosts librdkafka's mock
// cluster, which speaks the real Kafka protocol on loopback, so the service,
// kcat and test consumers use it like a real broker. Production points
// kafka.brokers at a real cluster instead.
//
//   devkafka [--brokers N] [--topic NAME --partitions P]... [--bootstrap-file PATH]
//
// Prints the bootstrap address (host:port,...) as its first stdout line and
// writes it to --bootstrap-file. SIGUSR1 takes every broker down, SIGUSR2
// brings them back (for outage tests); SIGINT/SIGTERM stop it.

#include <librdkafka/rdkafka.h>
// rdkafka.h must come first.
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr const char* kUsage =
    "usage: devkafka [--brokers N] [--topic NAME --partitions P]... [--bootstrap-file PATH]\n";

struct Options {
  int brokers = 1;
  std::vector<std::pair<std::string, int>> topics;
  std::string bootstrap_file;
};

// A small positive count; anything else (junk, overflow) is 0, which every
// caller rejects.
int parse_count(const std::string& text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() ? value : 0;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (arg == "--brokers") {
      options.brokers = parse_count(value);
      if (options.brokers < 1 || options.brokers > 9) return false;
    } else if (arg == "--topic") {
      options.topics.emplace_back(value, 1);
    } else if (arg == "--partitions") {
      if (options.topics.empty()) return false;
      options.topics.back().second = parse_count(value);
      if (options.topics.back().second < 1 || options.topics.back().second > 64) return false;
    } else if (arg == "--bootstrap-file") {
      options.bootstrap_file = value;
    } else {
      return false;
    }
  }
  return true;
}

void set_all_brokers(rd_kafka_mock_cluster_t* cluster, int brokers, bool up) {
  for (int id = 1; id <= brokers; ++id) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster, id);
    } else {
      rd_kafka_mock_broker_set_down(cluster, id);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::cerr << kUsage;
    return 2;
  }
  // Blocked before any librdkafka thread starts, so sigwait below gets them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // This handle only hosts the cluster; its "no bootstrap.servers" notice
  // would just confuse.
  rd_kafka_conf_set(conf, "log_level", "4", error, sizeof(error));
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (handle == nullptr) {
    std::cerr << "devkafka: " << error << "\n";
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, options.brokers);
  if (cluster == nullptr) {
    std::cerr << "devkafka: cannot start the mock cluster\n";
    rd_kafka_destroy(handle);
    return 1;
  }
  for (const auto& [topic, partitions] : options.topics) {
    if (rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, 1) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::cerr << "devkafka: cannot create topic " << topic << "\n";
    }
  }
  const std::string bootstrap = rd_kafka_mock_cluster_bootstraps(cluster);
  if (!options.bootstrap_file.empty()) {
    const std::string temporary = options.bootstrap_file + ".tmp";
    std::ofstream(temporary) << bootstrap << "\n";
    std::rename(temporary.c_str(), options.bootstrap_file.c_str());
  }
  std::cout << bootstrap << std::endl;

  for (;;) {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGUSR1) {
      set_all_brokers(cluster, options.brokers, false);
      std::cerr << "devkafka: brokers down\n";
    } else if (signal_number == SIGUSR2) {
      set_all_brokers(cluster, options.brokers, true);
      std::cerr << "devkafka: brokers up\n";
    } else {
      break;
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
