// What can be checked of the deployment files without Docker or a cluster:
// the Kubernetes manifest is well-formed and carries what an operator relies
// on, its configuration loads with the service's own parser, the image builds
// with exactly `make deps`'s packages and ships every library the server
// binary links, and the CI workflows run the gates.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"

namespace {

const std::string kSource = CID_SOURCE_DIR;

std::string read_text(const std::string& relative) {
  std::ifstream file(kSource + "/" + relative);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  ::pclose(pipe);
  return output;
}

std::set<std::string> words(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string word; in >> word;) out.insert(word);
  return out;
}

// The packages of the `apt-get install` in the Dockerfile's stage that starts
// with `FROM <image>`.
std::set<std::string> stage_packages(const std::string& dockerfile, const std::string& from_line) {
  const auto stage = dockerfile.find(from_line);
  if (stage == std::string::npos) return {};
  const auto install = dockerfile.find("--no-install-recommends", stage);
  const auto end = dockerfile.find("&&", install);
  if (install == std::string::npos || end == std::string::npos) return {};
  std::string list = dockerfile.substr(install + std::string("--no-install-recommends").size(),
                                       end - install - std::string("--no-install-recommends").size());
  for (char& c : list)
    if (c == '\\') c = ' ';
  return words(list);
}

std::map<std::string, YAML::Node> manifest_by_kind() {
  std::map<std::string, YAML::Node> kinds;
  for (const YAML::Node& document : YAML::LoadAllFromFile(kSource + "/deploy/k8s/customer-id.yaml")) {
    kinds[document["kind"].as<std::string>()] = document;
  }
  return kinds;
}

TEST(DeployManifest, HasEveryObjectAnOperatorNeeds) {
  const auto kinds = manifest_by_kind();
  for (const char* kind : {"ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind << " missing from deploy/k8s/customer-id.yaml";
  }
}

TEST(DeployManifest, DeploymentProbesResourcesSecretsAndGracePeriod) {
  const auto kinds = manifest_by_kind();
  ASSERT_TRUE(kinds.contains("Deployment"));
  const YAML::Node pod = kinds.at("Deployment")["spec"]["template"]["spec"];
  const YAML::Node container = pod["containers"][0];
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_TRUE(container["resources"]["requests"]["cpu"]);
  EXPECT_TRUE(container["resources"]["limits"]["memory"]);
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());

  // Keys and the PII key come from Secrets, the configuration from the ConfigMap.
  std::set<std::string> secrets;
  std::string config_map;
  for (const YAML::Node& volume : pod["volumes"]) {
    if (volume["secret"]) secrets.insert(volume["secret"]["secretName"].as<std::string>());
    if (volume["configMap"]) config_map = volume["configMap"]["name"].as<std::string>();
  }
  EXPECT_TRUE(secrets.contains("customer-id-tls"));
  EXPECT_TRUE(secrets.contains("customer-id-jwt"));
  EXPECT_TRUE(secrets.contains("customer-id-secrets"));
  EXPECT_EQ(config_map, kinds.at("ConfigMap")["metadata"]["name"].as<std::string>());

  // The grace period outlasts the drain deadline of the configuration it runs.
  auto config = tastesync::config::parse_config(kinds.at("ConfigMap")["data"]["config.yaml"].as<std::string>(),
                                                [](const std::string& name) -> std::optional<std::string> {
                                                  if (name == "CUSTOMER_ID_POSTGRES_URL")
                                                    return "postgresql://customer_id@db/customer_id";
                                                  if (name == "CUSTOMER_ID_REDIS_URL") return "redis://cache:6379";
                                                  return std::nullopt;
                                                });
  ASSERT_TRUE(config.has_value()) << "the ConfigMap's config.yaml does not load: " << config.error().message;
  EXPECT_GT(std::chrono::seconds(pod["terminationGracePeriodSeconds"].as<int>()), config->server.drain)
      << "Kubernetes would kill the pod before it drains";
  EXPECT_EQ(config->http.listen, "0.0.0.0:8443");
}

TEST(DeployManifest, ServiceExposesTheContainerPortsAndScalingIsBounded) {
  const auto kinds = manifest_by_kind();
  std::set<std::string> container_ports;
  for (const YAML::Node& port : kinds.at("Deployment")["spec"]["template"]["spec"]["containers"][0]["ports"]) {
    container_ports.insert(port["name"].as<std::string>());
  }
  std::set<std::string> service_ports;
  for (const YAML::Node& port : kinds.at("Service")["spec"]["ports"]) {
    service_ports.insert(port["targetPort"].as<std::string>());
  }
  EXPECT_EQ(service_ports, container_ports);
  EXPECT_EQ(service_ports, (std::set<std::string>{"grpc", "https"}));

  const YAML::Node hpa = kinds.at("HorizontalPodAutoscaler")["spec"];
  EXPECT_EQ(hpa["scaleTargetRef"]["name"].as<std::string>(),
            kinds.at("Deployment")["metadata"]["name"].as<std::string>());
  EXPECT_LE(hpa["minReplicas"].as<int>(), hpa["maxReplicas"].as<int>());
  EXPECT_LT(kinds.at("PodDisruptionBudget")["spec"]["minAvailable"].as<int>(), hpa["minReplicas"].as<int>());
}

TEST(Dockerfile, BuildStageInstallsExactlyTheBuildPackagesOfMakeDeps) {
  const std::set<std::string> deps = words(run("bash '" + kSource + "/scripts/deps.sh' --list build"));
  ASSERT_FALSE(deps.empty());
  EXPECT_EQ(stage_packages(read_text("deploy/docker/Dockerfile"), "FROM debian:12 AS build"), deps);
}

TEST(Dockerfile, RuntimeStageShipsEveryLibraryTheServerLinks) {
  const std::set<std::string> runtime = stage_packages(read_text("deploy/docker/Dockerfile"), "FROM debian:12-slim");
  ASSERT_FALSE(runtime.empty());
  // Direct dependencies only: apt brings theirs. The C and C++ runtimes are in
  // the slim image already.
  const std::set<std::string> in_base = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"};
  const std::string binary = CID_SERVER_BINARY;
  const std::string needed = run("readelf -d '" + binary + "' | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'");
  const std::string resolved = run("ldd '" + binary + "'");
  ASSERT_FALSE(needed.empty()) << "readelf printed nothing for " << binary;
  for (const std::string& library : words(needed)) {
    const std::regex path_of(std::regex_replace(library, std::regex(R"([.+])"), R"(\$&)") + R"( => (\S+))");
    std::smatch match;
    ASSERT_TRUE(std::regex_search(resolved, match, path_of)) << library << " not resolved by ldd";
    const std::string path = match[1];
    std::string owner = run("dpkg -S '" + path + "' 2>/dev/null || dpkg -S '/usr" + path + "' 2>/dev/null");
    owner.resize(std::min(owner.size(), owner.find(':')));
    ASSERT_FALSE(owner.empty()) << "no package owns " << path;
    EXPECT_TRUE(runtime.contains(owner) || in_base.contains(owner))
        << library << " comes from " << owner << ", which the runtime stage does not install";
  }
}

TEST(Dockerfile, RunsAsNonRootWithAHealthCheckAndNoKeys) {
  const std::string dockerfile = read_text("deploy/docker/Dockerfile");
  EXPECT_NE(dockerfile.find("\nUSER 10001"), std::string::npos);
  EXPECT_NE(dockerfile.find("\nHEALTHCHECK"), std::string::npos);
  EXPECT_EQ(dockerfile.find("keys/dev"), std::string::npos);
  const std::string ignored = read_text(".dockerignore");
  EXPECT_NE(ignored.find("internal/config/keys"), std::string::npos) << "keys must never reach the build context";
}

TEST(Workflows, BuildRunsTestsLintAndSanitizersAndDeployRollsOut) {
  const YAML::Node build = YAML::LoadFile(kSource + "/.github/workflows/build.yml");
  std::string commands;
  for (const YAML::Node& step : build["jobs"]["test"]["steps"]) {
    if (step["run"]) commands += step["run"].as<std::string>() + "\n";
  }
  for (const char* gate : {"make test", "make lint", "make sanitize"}) {
    EXPECT_NE(commands.find(gate), std::string::npos) << "build.yml does not run " << gate;
  }
  const YAML::Node deploy = YAML::LoadFile(kSource + "/.github/workflows/deploy.yml");
  EXPECT_TRUE(deploy["jobs"]["image"]);
  EXPECT_TRUE(deploy["jobs"]["rollout"]);
}

}  // namespace

namespace {

// Every "<directive> ..." line of a backend section of haproxy.cfg.
std::map<std::string, std::vector<std::string>> haproxy_backends() {
  std::map<std::string, std::vector<std::string>> backends;
  std::istringstream in(read_text("deploy/haproxy/haproxy.cfg"));
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("backend ", 0) == 0) {
      current = line.substr(8);
      continue;
    }
    if (!line.empty() && line[0] != ' ') current.clear();
    const auto text = line.find_first_not_of(' ');
    if (!current.empty() && text != std::string::npos && line[text] != '#')
      backends[current].push_back(line.substr(text));
  }
  return backends;
}

}  // namespace

// The local load balancer and the production edge route alike: a customer's
// requests by consistent hashing on x-routing-key (else the token).
TEST(LoadBalancers, HaProxyAndEnvoyHashTheSameKeyConsistently) {
  const auto backends = haproxy_backends();
  ASSERT_EQ(backends.size(), 2u);
  for (const auto& [name, lines] : backends) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), "balance hdr(x-routing-key)"), lines.end()) << name;
    EXPECT_NE(std::find(lines.begin(), lines.end(), "hash-type consistent"), lines.end()) << name;
  }
  const std::string frontends = read_text("deploy/haproxy/haproxy.cfg");
  const std::string fallback =
      "http-request set-header x-routing-key %[req.hdr(authorization)] unless { req.hdr(x-routing-key) -m found }";
  std::size_t fallbacks = 0;
  for (std::size_t at = frontends.find(fallback); at != std::string::npos; at = frontends.find(fallback, at + 1)) {
    ++fallbacks;
  }
  EXPECT_EQ(fallbacks, 2u) << "both frontends fall back to the token";

  const YAML::Node envoy = YAML::LoadFile(kSource + "/deploy/envoy/envoy.yaml");
  const YAML::Node cluster = envoy["static_resources"]["clusters"][0];
  EXPECT_EQ(cluster["lb_policy"].as<std::string>(), "RING_HASH");
  const YAML::Node routes = envoy["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
                                 ["route_config"]["virtual_hosts"][0]["routes"];
  ASSERT_GT(routes.size(), 0u);
  for (const YAML::Node& route : routes) {
    const YAML::Node policy = route["route"]["hash_policy"];
    ASSERT_EQ(policy.size(), 2u) << route["match"];
    EXPECT_EQ(policy[0]["header"]["header_name"].as<std::string>(), "x-routing-key");
    EXPECT_TRUE(policy[0]["terminal"].as<bool>());
    EXPECT_EQ(policy[1]["header"]["header_name"].as<std::string>(), "authorization");
  }
}

// haproxy itself accepts the file (the load-balancer integration test runs it).
TEST(LoadBalancers, HaProxyAcceptsItsConfiguration) {
  const std::string keys = kSource + "/internal/config/keys/dev/";
  // The certificate is loaded by the check: the dev one (make keys).
  const std::string pem = ::testing::TempDir() + "haproxy-check.pem";
  std::ofstream(pem) << read_text("internal/config/keys/dev/server.crt")
                     << read_text("internal/config/keys/dev/server.key");
  std::string environment = "CID_LB_GRPC=127.0.0.1:1 CID_LB_HTTPS=127.0.0.1:2 CID_LB_CA=" + keys + "ca.crt";
  environment += " CID_LB_CERT=" + pem;
  for (int i = 1; i <= 3; ++i) {
    environment += " CID_INSTANCE_" + std::to_string(i) + "_GRPC=127.0.0.1:" + std::to_string(10 + i);
    environment += " CID_INSTANCE_" + std::to_string(i) + "_HTTPS=127.0.0.1:" + std::to_string(20 + i);
  }
  const std::string output =
      run("env " + environment + " haproxy -c -f " + kSource + "/deploy/haproxy/haproxy.cfg 2>&1");
  std::remove(pem.c_str());
  EXPECT_NE(output.find("Configuration file is valid"), std::string::npos) << output;
}
