#include "local_stack/dev_kafka.h"

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "local_stack/child_process.h"
#include "local_stack/project_files.h"

namespace tastesync::local_stack {

DevKafka start_devkafka(const std::filesystem::path& dir, int partitions) {
  std::filesystem::create_directories(dir);
  const std::filesystem::path bootstrap_file = dir / "bootstrap";
  std::filesystem::remove(bootstrap_file);
  DevKafka kafka;
  kafka.pid = spawn_child({CID_DEVKAFKA_BINARY, "--topic", kEventsTopic, "--partitions", std::to_string(partitions),
                           "--bootstrap-file", bootstrap_file.string()},
                          {}, dir / "devkafka.log");
  if (kafka.pid <= 0) throw std::runtime_error(std::string("cannot start ") + CID_DEVKAFKA_BINARY);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (kafka.bootstrap.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::ifstream file(bootstrap_file);
    std::getline(file, kafka.bootstrap);
  }
  if (kafka.bootstrap.empty()) {
    stop_devkafka(kafka);
    throw std::runtime_error("devkafka did not publish its bootstrap address within 5 s: " +
                             read_text(dir / "devkafka.log"));
  }
  return kafka;
}

void stop_devkafka(DevKafka& kafka) {
  (void)stop_child(kafka.pid);
  kafka.pid = -1;
}

}  // namespace tastesync::local_stack
