#include "infrastructure/redis/redis_pipeline.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace tastesync::infrastructure::redis {
namespace {

// The connection whose send_later delivery this thread is running, if any.
// A blocking exchange() on that connection from inside the delivery would
// wait for the driver, which is this very thread: it is refused instead.
thread_local const RedisPipeline* delivering_on = nullptr;

using domain::ErrorCode;
using domain::fail;

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

// The whole of `bytes`, or the errno that stopped it (EAGAIN: the send
// timeout passed).
int send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return 0;
}

// The protocol bytes of every command, in order.
domain::Result<std::string> format_commands(std::span<const std::span<const std::string_view>> commands) {
  std::string formatted;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& command : commands) {
    if (command.empty()) return fail(ErrorCode::kInternal, "redis: empty command");
    argv.clear();
    lengths.clear();
    for (const std::string_view arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    char* bytes = nullptr;
    const int size = redisFormatCommandArgv(&bytes, static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (size < 0 || bytes == nullptr) return fail(ErrorCode::kInternal, "redis: cannot format a command");
    formatted.append(bytes, static_cast<std::size_t>(size));
    redisFreeCommand(bytes);
  }
  return formatted;
}

}  // namespace

struct RedisPipeline::Caller {
  std::size_t expected = 0;
  std::vector<RedisReply> replies;
  bool done = false;
  bool failed = false;
  bool stale = false;  // failed on a connection found closed after serving: one retry
  std::string detail;
  std::condition_variable wake;
  // send_later only: what to call instead of waking, and what a retry sends.
  Delivery delivery;
  std::string formatted;
  std::string names;
  bool retried = false;
};

RedisPipeline::RedisPipeline(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout,
                             std::chrono::milliseconds command_timeout, std::size_t max_later)
    : endpoint_(std::move(endpoint)),
      connect_timeout_(connect_timeout),
      command_timeout_(command_timeout),
      max_later_(max_later) {}

RedisPipeline::~RedisPipeline() {
  std::vector<Caller*> orphans;
  {
    std::scoped_lock lock(mutex_);
    stopping_ = true;
  }
  later_driver_wake_.notify_all();
  if (later_driver_.joinable()) later_driver_.join();
  {
    // Only send_later callers can still be here (exchange() callers keep
    // the object alive by waiting inside it).
    std::scoped_lock lock(mutex_);
    orphans.assign(written_.begin(), written_.end());
    orphans.insert(orphans.end(), queued_.begin(), queued_.end());
    written_.clear();
    queued_.clear();
  }
  for (Caller* caller : orphans) {
    caller->failed = true;
    caller->detail = "the connection was closed (shutting down)";
    deliver(caller);
  }
  if (context_ != nullptr) redisFree(context_);
}

std::uint64_t RedisPipeline::connections() const {
  std::scoped_lock lock(mutex_);
  return connections_;
}

std::uint64_t RedisPipeline::writes() const {
  std::scoped_lock lock(mutex_);
  return writes_;
}

std::size_t RedisPipeline::waiting() const {
  std::scoped_lock lock(mutex_);
  return queued_.size() + written_.size();
}

domain::Result<redisContext*> RedisPipeline::connect() const {
  const std::string where = endpoint_.host + ":" + std::to_string(endpoint_.port);
  redisContext* context = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(connect_timeout_));
  if (context == nullptr) return fail(ErrorCode::kUnavailable, "redis " + where + ": out of memory for a connection");
  if (context->err != 0) {
    std::string message = "redis " + where + ": cannot connect: " + context->errstr;
    redisFree(context);
    return fail(ErrorCode::kUnavailable, std::move(message));
  }
  // Bounds every send and every wait for a reply: a stuck Redis costs the
  // callers on this connection one timeout, then they fail.
  if (redisSetTimeout(context, to_timeval(command_timeout_)) != REDIS_OK) {
    redisFree(context);
    return fail(ErrorCode::kUnavailable, "redis " + where + ": cannot set the command timeout");
  }
  if (endpoint_.db != 0) {
    const std::string db = std::to_string(endpoint_.db);
    const char* argv[] = {"SELECT", db.c_str()};
    const std::size_t lengths[] = {6, db.size()};
    auto* reply = static_cast<redisReply*>(redisCommandArgv(context, 2, argv, lengths));
    const bool ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) {
      redisFree(context);
      return fail(ErrorCode::kUnavailable, "redis " + where + ": cannot select database " + db);
    }
  }
  return context;
}

domain::Result<std::vector<RedisReply>> RedisPipeline::exchange(
    std::span<const std::span<const std::string_view>> commands, std::string_view names) {
  if (commands.empty()) return std::vector<RedisReply>{};
  if (delivering_on == this) {
    return fail(ErrorCode::kInternal, describe(names, "a blocking call from a delivery of the same connection"));
  }
  // Formatted before taking the lock: the protocol bytes of every command.
  auto bytes = format_commands(commands);
  if (!bytes) return std::unexpected(bytes.error());
  const std::string& formatted = *bytes;

  for (int attempt = 1;; ++attempt) {
    Caller me;
    me.expected = commands.size();
    me.replies.reserve(commands.size());
    {
      std::unique_lock lock(mutex_);
      outgoing_ += formatted;
      queued_.push_back(&me);
      while (!me.done) {
        if (!driving_) {
          driving_ = true;
          drive(lock, &me);
          break;
        }
        me.wake.wait(lock);
      }
    }
    if (!me.failed) return std::move(me.replies);
    if (me.stale && attempt == 1) continue;
    return fail(ErrorCode::kUnavailable, describe(names, me.detail));
  }
}

std::string RedisPipeline::describe(std::string_view names, const std::string& detail) const {
  std::string message = "redis ";
  message.append(endpoint_.host).append(":").append(std::to_string(endpoint_.port));
  message.append(" ").append(names).append(": ").append(detail);
  return message;
}

bool RedisPipeline::send_later(std::span<const std::span<const std::string_view>> commands, std::string_view names,
                               Delivery done) {
  if (commands.empty() || !done) return false;
  auto bytes = format_commands(commands);
  if (!bytes) return false;
  auto caller = std::make_unique<Caller>();
  caller->expected = commands.size();
  caller->replies.reserve(commands.size());
  caller->delivery = std::move(done);
  caller->formatted = std::move(*bytes);
  caller->names = names;
  std::unique_lock lock(mutex_);
  if (stopping_ || later_waiting_ >= max_later_) return false;
  ++later_waiting_;
  outgoing_ += caller->formatted;
  queued_.push_back(caller.release());
  // Started before it is needed: a driver that stops with only such calls
  // left hands the connection to this thread (hand_over).
  if (!later_driver_.joinable()) later_driver_ = std::thread([this] { drive_later_calls(); });
  if (!driving_) {
    // Nobody drives: the connection's thread does, so this one never blocks.
    later_driver_wanted_ = true;
    lock.unlock();
    later_driver_wake_.notify_one();
  }
  return true;
}

void RedisPipeline::drive_later_calls() {
  std::unique_lock lock(mutex_);
  while (true) {
    later_driver_wake_.wait(lock, [this] { return stopping_ || (later_driver_wanted_ && !driving_); });
    if (stopping_) return;
    later_driver_wanted_ = false;
    if (written_.empty() && queued_.empty()) continue;
    driving_ = true;
    drive(lock, nullptr);
  }
}

void RedisPipeline::deliver(Caller* caller) {
  const std::unique_ptr<Caller> owned(caller);
  const RedisPipeline* const outer = delivering_on;
  delivering_on = this;
  if (caller->failed) {
    caller->delivery(fail(ErrorCode::kUnavailable, describe(caller->names, caller->detail)));
  } else {
    caller->delivery(std::move(caller->replies));
  }
  delivering_on = outer;
}

void RedisPipeline::hand_over() {
  Caller* next = nullptr;
  if (!written_.empty()) {
    next = written_.front();
  } else if (!queued_.empty()) {
    next = queued_.front();
  }
  if (next == nullptr) return;
  if (next->delivery) {
    later_driver_wanted_ = true;
    later_driver_wake_.notify_one();
  } else {
    next->wake.notify_one();
  }
}

void RedisPipeline::drive(std::unique_lock<std::mutex>& lock, Caller* me) {
  std::vector<Caller*> failed;
  const auto more = [&] { return me != nullptr ? !me->done : !(written_.empty() && queued_.empty()); };
  while (more()) {
    if (context_ == nullptr) {
      lock.unlock();
      auto connected = connect();
      lock.lock();
      if (!connected) {
        // Nothing can be sent: everyone waiting learns it now, not one
        // connect timeout after another.
        failed = fail_connection(connected.error().message, false, true);
        break;
      }
      context_ = *connected;
      served_ = false;
      ++connections_;
    }
    // Whatever queued up while the last reply was awaited goes out in one write.
    std::string batch;
    if (!outgoing_.empty()) {
      batch.swap(outgoing_);
      // Every caller in queued_ is waiting inside exchange(), which returns
      // only once drive() or fail_connection() has taken it out of both
      // queues (done), so no pointer here outlives its Caller.
      // cppcheck-suppress invalidLifetime
      written_.insert(written_.end(), queued_.begin(), queued_.end());
      queued_.clear();
      ++writes_;
    }
    redisContext* const context = context_;
    lock.unlock();
    const int send_error = batch.empty() ? 0 : send_all(context->fd, batch);
    redisReply* raw = nullptr;
    int read_errno = 0;
    if (send_error == 0) {
      errno = 0;
      void* got = nullptr;
      if (redisGetReply(context, &got) != REDIS_OK) read_errno = errno == 0 ? EIO : errno;
      raw = static_cast<redisReply*>(got);
    }
    RedisReply reply;
    if (raw != nullptr) {
      reply = copy_reply(*raw);
      freeReplyObject(raw);
    }
    lock.lock();
    if (send_error != 0 || raw == nullptr) {
      const int cause = send_error != 0 ? send_error : read_errno;
      std::string detail;
      if (cause == EAGAIN || cause == EWOULDBLOCK) {
        detail = "no reply within " + std::to_string(command_timeout_.count()) + " ms";
      } else if (send_error != 0) {
        detail = "cannot send: " + std::generic_category().message(send_error);
      } else {
        detail = context->err != 0 ? std::string(context->errstr) : std::string("no reply");
      }
      const bool closed = (send_error == 0 && context->err == REDIS_ERR_EOF) || cause == EPIPE || cause == ECONNRESET;
      failed = fail_connection(detail, closed && served_, false);
      break;
    }
    served_ = true;
    Caller* front = written_.front();
    front->replies.push_back(std::move(reply));
    if (front->replies.size() == front->expected) {
      written_.pop_front();
      front->done = true;
      if (front->delivery) {
        // Its caller does not wait: the driver runs what comes next for it.
        --later_waiting_;
        lock.unlock();
        deliver(front);
        lock.lock();
      } else if (front != me) {
        front->wake.notify_one();
      }
    }
  }
  if (!failed.empty()) {
    later_waiting_ -= failed.size();
    lock.unlock();
    for (Caller* caller : failed) deliver(caller);
    lock.lock();
  }
  driving_ = false;
  // Someone still waits: the oldest takes the connection over.
  hand_over();
}

std::vector<RedisPipeline::Caller*> RedisPipeline::fail_connection(const std::string& detail, bool stale,
                                                                   bool queued_too) {
  std::vector<Caller*> later;
  std::vector<Caller*> again;
  const auto fail_caller = [&](Caller* caller) {
    caller->replies.clear();
    if (caller->delivery) {
      // As exchange() retries once on a fresh connection: the commands
      // here are safe to send twice.
      if (stale && !caller->retried) {
        caller->retried = true;
        again.push_back(caller);
        return;
      }
      caller->failed = true;
      caller->detail = detail;
      caller->done = true;
      later.push_back(caller);
      return;
    }
    caller->failed = true;
    caller->stale = stale;
    caller->detail = detail;
    caller->done = true;
    caller->wake.notify_one();
  };
  // After a failure the connection's state is unknown (replies may be half
  // read): it is closed, and every caller whose commands were on it fails.
  for (Caller* caller : written_) fail_caller(caller);
  written_.clear();
  if (queued_too) {
    for (Caller* caller : queued_) fail_caller(caller);
    queued_.clear();
    outgoing_.clear();
  }
  // The retried go out first on the next connection, in their order.
  std::string resend;
  for (Caller* caller : again) resend += caller->formatted;
  outgoing_.insert(0, resend);
  queued_.insert(queued_.begin(), again.begin(), again.end());
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  served_ = false;
  return later;
}

}  // namespace tastesync::infrastructure::redis
