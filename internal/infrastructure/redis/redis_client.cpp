#include "infrastructure/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <mutex>
#include <utility>

#include "infrastructure/redis/redis_cluster.h"
#include "infrastructure/redis/redis_pipeline.h"
#include "util/hex.h"

namespace tastesync::infrastructure::redis {
namespace {

using domain::ErrorCode;
using domain::fail;

// Digits only, in [min, max]; from_chars alone would accept a sign.
bool parse_number(std::string_view text, int min, int max, int& out) {
  if (text.empty() || text.size() > 6) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
}

// hiredis 0.14 writes with plain write(2): a connection the server closed
// would raise SIGPIPE and kill the process. Broken connections must be
// errors we handle, so SIGPIPE is ignored process-wide unless someone
// installed a handler of their own.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// The EVALSHA command of `script`; the views point into the arguments.
std::vector<std::string_view> evalsha_command(const RedisScript& script, const std::string& key_count,
                                              std::span<const std::string_view> keys,
                                              std::span<const std::string_view> args) {
  std::vector<std::string_view> command;
  command.reserve(3 + keys.size() + args.size());
  command.emplace_back("EVALSHA");
  command.emplace_back(script.sha1());
  command.emplace_back(key_count);
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

// "GET+HMGET+...": what a pipeline's error messages call it.
std::string names_of(std::span<const std::span<const std::string_view>> commands) {
  std::string names;
  for (const auto& command : commands) {
    if (!names.empty()) names += '+';
    names += command.front();
  }
  return names;
}

}  // namespace

domain::Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  const auto bad = [url](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "redis url '" + std::string(url) + "': " + why, "redis.url");
  };
  if (!url.starts_with(kScheme)) return bad("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('@') != std::string_view::npos) return bad("credentials in the URL are not supported");
  RedisEndpoint endpoint;
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view path = rest.substr(slash + 1);
    if (!path.empty() && !parse_number(path, 0, 9999, endpoint.db)) return bad("database must be a number");
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    endpoint.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return bad("expected ':' after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return bad("empty port");
    }
  } else if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
    endpoint.host = std::string(authority.substr(0, colon));
    port_text = authority.substr(colon + 1);
    if (port_text.empty()) return bad("empty port");
  } else {
    endpoint.host = std::string(authority);
  }
  if (endpoint.host.empty()) return bad("missing host");
  if (!port_text.empty() && !parse_number(port_text, 1, 65535, endpoint.port)) {
    return bad("port must be 1..65535");
  }
  return endpoint;
}

domain::Error error_from_reply(const RedisReply& reply, std::string_view context) {
  // Conditions that pass by themselves (a replica loading its data, a long
  // script, a failover, memory full): the caller should treat Redis as
  // unavailable, not the request as broken.
  static constexpr std::string_view kTransient[] = {"LOADING",  "BUSY",        "READONLY",   "MASTERDOWN",
                                                    "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS", "OOM"};
  ErrorCode code = ErrorCode::kInternal;
  for (const std::string_view prefix : kTransient) {
    if (reply.str.starts_with(prefix)) code = ErrorCode::kUnavailable;
  }
  return domain::Error{code, "redis " + std::string(context) + ": " + reply.str, {}};
}

RedisClient::RedisClient(RedisEndpoint endpoint, RedisClientOptions options)
    : endpoint_(std::move(endpoint)), options_(options) {
  if (options_.pool_size == 0) options_.pool_size = 1;
  connections_.reserve(options_.pool_size);
  for (std::size_t i = 0; i < options_.pool_size; ++i) {
    connections_.push_back(
        std::make_unique<RedisPipeline>(endpoint_, options_.connect_timeout, options_.command_timeout));
  }
}

RedisClient::RedisClient(std::vector<RedisEndpoint> seeds, RedisClientOptions options)
    : endpoint_(seeds.front()),
      options_(options),
      cluster_(std::make_unique<RedisCluster>(std::move(seeds), options)) {}

RedisClient::~RedisClient() = default;

domain::Result<std::shared_ptr<RedisClient>> RedisClient::create_cluster(std::string_view nodes,
                                                                         RedisClientOptions options) {
  auto seeds = parse_cluster_nodes(nodes);
  if (!seeds) return std::unexpected(seeds.error());
  ignore_sigpipe();
  return std::shared_ptr<RedisClient>(new RedisClient(std::move(*seeds), options));
}

domain::Result<std::shared_ptr<RedisClient>> RedisClient::create(const std::string& url, RedisClientOptions options) {
  auto endpoint = parse_redis_url(url);
  if (!endpoint) return std::unexpected(endpoint.error());
  ignore_sigpipe();
  return std::shared_ptr<RedisClient>(new RedisClient(std::move(*endpoint), options));
}

domain::Result<RedisReply> RedisClient::raw(std::span<const std::string_view> args) {
  if (args.empty()) return fail(ErrorCode::kInternal, "redis: empty command");
  const std::span<const std::string_view> one[] = {args};
  auto replies = pipeline(one);
  if (!replies) return std::unexpected(replies.error());
  return RedisReply(std::move(replies->front()));
}

domain::Result<std::vector<RedisReply>> RedisClient::pipeline(
    std::span<const std::span<const std::string_view>> commands) {
  if (commands.empty()) return std::vector<RedisReply>{};
  if (std::ranges::any_of(commands, [](const auto& command) { return command.empty(); })) {
    return fail(ErrorCode::kInternal, "redis: empty command");
  }
  const std::string names = names_of(commands);
  if (cluster_) return cluster_->exchange(commands, names);
  // Callers spread over the connections; on each, concurrent callers'
  // commands share writes and reads (redis_pipeline.h).
  const std::size_t pick = next_connection_.fetch_add(1, std::memory_order_relaxed) % connections_.size();
  return connections_[pick]->exchange(commands, names);
}

std::uint64_t RedisClient::writes() const {
  if (cluster_) return cluster_->writes();
  std::uint64_t total = 0;
  for (const auto& connection : connections_) total += connection->writes();
  return total;
}

std::uint64_t RedisClient::connections_opened() const {
  if (cluster_) return cluster_->connections_opened();
  std::uint64_t total = 0;
  for (const auto& connection : connections_) total += connection->connections();
  return total;
}

domain::Result<RedisReply> RedisClient::eval(const RedisScript& script, std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> command = evalsha_command(script, key_count, keys, args);
  auto reply = raw(command);
  // A Redis that restarted (or was flushed) has forgotten the script: send
  // it in full once, which also caches it again.
  if (reply && reply->is_error() && reply->str.starts_with("NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = script.source();
    reply = raw(command);
  }
  return reply;
}

bool RedisClient::pipeline_later(std::span<const std::span<const std::string_view>> commands, PipelineDelivery done) {
  if (cluster_ || commands.empty()) return false;
  if (std::ranges::any_of(commands, [](const auto& command) { return command.empty(); })) return false;
  return connections_.front()->send_later(commands, names_of(commands), std::move(done));
}

bool RedisClient::eval_later(const RedisScript& script, std::span<const std::string_view> keys,
                             std::span<const std::string_view> args, EvalDelivery done) {
  const std::string key_count = std::to_string(keys.size());
  const std::vector<std::string_view> command = evalsha_command(script, key_count, keys, args);
  const std::span<const std::string_view> one[] = {command};
  return pipeline_later(one, [done = std::move(done)](domain::Result<std::vector<RedisReply>> replies) {
    if (!replies) return done(std::unexpected(replies.error()));
    done(std::move(replies->front()));
  });
}

RedisScript::RedisScript(std::string_view source) : source_(source) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(source_.data(), source_.size(), digest.data(), &size, EVP_sha1(), nullptr);
  sha1_ = util::hex_encode(std::span<const std::uint8_t>(digest.data(), size));
}

domain::Result<RedisReply> RedisClient::command(std::span<const std::string_view> args) {
  auto reply = raw(args);
  if (reply && reply->is_error()) return std::unexpected(error_from_reply(*reply, args.front()));
  return reply;
}

domain::Result<void> RedisClient::ping() {
  auto reply = command({"PING"});
  if (!reply) return std::unexpected(reply.error());
  if (reply->type != RedisReply::Type::kStatus || reply->str != "PONG") {
    return fail(ErrorCode::kUnavailable, "redis PING: unexpected reply '" + reply->str + "'");
  }
  return {};
}

}  // namespace tastesync::infrastructure::redis
