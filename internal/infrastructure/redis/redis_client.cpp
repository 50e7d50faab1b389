#include "infrastructure/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <mutex>
#include <utility>

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

timeval to_timeval(std::chrono::milliseconds duration) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(micros / 1'000'000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>(micros % 1'000'000);
  return tv;
}

RedisReply copy_reply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) out.elements.push_back(copy_reply(*reply.element[i]));
      break;
    default: out.type = RedisReply::Type::kNil;
  }
  return out;
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

}  // namespace

struct RedisClient::Slot {
  std::mutex mutex;
  redisContext* context = nullptr;  // null: not connected (yet, or any more)

  ~Slot() {
    if (context != nullptr) redisFree(context);
  }
  void drop() {
    if (context != nullptr) redisFree(context);
    context = nullptr;
  }
};

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
  slots_.reserve(options_.pool_size);
  for (std::size_t i = 0; i < options_.pool_size; ++i) slots_.push_back(std::make_unique<Slot>());
}

RedisClient::~RedisClient() = default;

domain::Result<std::shared_ptr<RedisClient>> RedisClient::create(const std::string& url, RedisClientOptions options) {
  auto endpoint = parse_redis_url(url);
  if (!endpoint) return std::unexpected(endpoint.error());
  ignore_sigpipe();
  return std::shared_ptr<RedisClient>(new RedisClient(std::move(*endpoint), options));
}

RedisClient::Slot& RedisClient::acquire_slot() {
  // Callers lock the slot; this only picks one, preferring an idle one so a
  // slow command does not queue others behind it.
  const std::size_t start = next_slot_.fetch_add(1, std::memory_order_relaxed) % slots_.size();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[(start + i) % slots_.size()];
    if (slot.mutex.try_lock()) return slot;
  }
  Slot& slot = *slots_[start];
  slot.mutex.lock();
  return slot;
}

domain::Result<void> RedisClient::connect(Slot& slot) {
  const std::string where = endpoint_.host + ":" + std::to_string(endpoint_.port);
  redisContext* context =
      redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(options_.connect_timeout));
  if (context == nullptr) return fail(ErrorCode::kUnavailable, "redis " + where + ": out of memory for a connection");
  if (context->err != 0) {
    std::string message = "redis " + where + ": cannot connect: " + context->errstr;
    redisFree(context);
    return fail(ErrorCode::kUnavailable, std::move(message));
  }
  if (redisSetTimeout(context, to_timeval(options_.command_timeout)) != REDIS_OK) {
    redisFree(context);
    return fail(ErrorCode::kUnavailable, "redis " + where + ": cannot set the command timeout");
  }
  slot.context = context;
  if (endpoint_.db != 0) {
    const std::string db = std::to_string(endpoint_.db);
    const char* argv[] = {"SELECT", db.c_str()};
    const std::size_t lengths[] = {6, db.size()};
    auto* reply = static_cast<redisReply*>(redisCommandArgv(context, 2, argv, lengths));
    const bool ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) {
      slot.drop();
      return fail(ErrorCode::kUnavailable, "redis " + where + ": cannot select database " + db);
    }
  }
  return {};
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
  struct Argv {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
  };
  std::vector<Argv> prepared(commands.size());
  std::string names;  // for error messages
  for (std::size_t c = 0; c < commands.size(); ++c) {
    if (commands[c].empty()) return fail(ErrorCode::kInternal, "redis: empty command");
    prepared[c].argv.reserve(commands[c].size());
    prepared[c].lengths.reserve(commands[c].size());
    for (const std::string_view arg : commands[c]) {
      prepared[c].argv.push_back(arg.data());
      prepared[c].lengths.push_back(arg.size());
    }
    if (!names.empty()) names += '+';
    names += commands[c].front();
  }

  Slot& slot = acquire_slot();
  std::unique_lock lock(slot.mutex, std::adopt_lock);
  for (int attempt = 1;; ++attempt) {
    const bool fresh = slot.context == nullptr;
    if (fresh) {
      if (auto connected = connect(slot); !connected) return std::unexpected(connected.error());
    }
    errno = 0;
    bool failed = false;
    for (Argv& command : prepared) {
      if (redisAppendCommandArgv(slot.context, static_cast<int>(command.argv.size()), command.argv.data(),
                                 command.lengths.data()) != REDIS_OK) {
        failed = true;
        break;
      }
    }
    std::vector<RedisReply> replies;
    replies.reserve(prepared.size());
    while (!failed && replies.size() < prepared.size()) {
      void* reply = nullptr;
      if (redisGetReply(slot.context, &reply) != REDIS_OK || reply == nullptr) {
        failed = true;
        break;
      }
      replies.push_back(copy_reply(*static_cast<redisReply*>(reply)));
      freeReplyObject(reply);
    }
    if (!failed) return replies;
    const int saved_errno = errno;
    // After any failure a hiredis context is unusable (it may also hold
    // replies not read yet); drop it and let the next command reconnect.
    const int error = slot.context->err;
    std::string detail = slot.context->errstr;
    slot.drop();
    // A pooled connection whose server went away (e.g. Redis restarted)
    // fails on first use with EOF or a reset: retry once on a fresh
    // connection, so a recovered Redis is not reported down once per pooled
    // connection. Safe for our commands: reads, SET NX, and compare-and-set
    // scripts that reject their own replay. Never after a timeout, which
    // would double the stall.
    const bool stale =
        !fresh && attempt == 1 &&
        (error == REDIS_ERR_EOF || (error == REDIS_ERR_IO && (saved_errno == EPIPE || saved_errno == ECONNRESET)));
    if (stale) continue;
    if (error == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)) {
      detail = "no reply within " + std::to_string(options_.command_timeout.count()) + " ms";
    }
    std::string message = "redis ";
    message.append(endpoint_.host).append(":").append(std::to_string(endpoint_.port));
    message.append(" ").append(names).append(": ").append(detail);
    return fail(ErrorCode::kUnavailable, message);
  }
}

domain::Result<RedisReply> RedisClient::eval(const RedisScript& script, std::span<const std::string_view> keys,
                                             std::span<const std::string_view> args) {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> command;
  command.reserve(3 + keys.size() + args.size());
  command.insert(command.end(), {std::string_view("EVALSHA"), std::string_view(script.sha1()), key_count});
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
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
