// RedisCluster's routing against fake cluster nodes: tiny servers on
// loopback that speak just enough of the Redis protocol (a command in, a
// reply out) for each test to play a cluster that moves a slot, migrates
// one, re-forms or loses a node.

#include "infrastructure/redis/redis_cluster.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "infrastructure/redis/redis_client.h"

namespace tastesync::infrastructure::redis {
namespace {

using Command = std::vector<std::string>;

std::string bulk(std::string_view text) {
  return "$" + std::to_string(text.size()) + "\r\n" + std::string(text) + "\r\n";
}
std::string error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }

// CLUSTER SLOTS: each range [first, last] served by 127.0.0.1:port.
struct Range {
  int first;
  int last;
  int port;
};
std::string slots_reply(const std::vector<Range>& ranges) {
  std::string out = "*" + std::to_string(ranges.size()) + "\r\n";
  for (const Range& range : ranges) {
    out += "*3\r\n:" + std::to_string(range.first) + "\r\n:" + std::to_string(range.last) + "\r\n";
    out += "*3\r\n" + bulk("127.0.0.1") + ":" + std::to_string(range.port) + "\r\n" + bulk("node-id");
  }
  return out;
}

// One fake node: answers each command with handler(command, previous
// command on the same connection), and records what it was sent.
class FakeNode {
 public:
  using Handler = std::function<std::string(const Command&, const Command&)>;

  explicit FakeNode(Handler handler) : handler_(std::move(handler)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    socklen_t size = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~FakeNode() { stop(); }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Closes the listener and every connection: the node is gone.
  void stop() {
    if (stopped_.exchange(true)) return;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    {
      std::scoped_lock lock(mutex_);
      for (const int fd : connections_) ::shutdown(fd, SHUT_RDWR);
    }
    for (std::thread& worker : workers_) worker.join();
  }

  // Commands received, CLUSTER SLOTS left out unless asked for.
  std::vector<Command> received(bool with_slot_maps = false) const {
    std::scoped_lock lock(mutex_);
    std::vector<Command> out;
    for (const Command& command : received_) {
      if (with_slot_maps || command.front() != "CLUSTER") out.push_back(command);
    }
    return out;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::scoped_lock lock(mutex_);
      if (stopped_) {
        ::close(fd);
        return;
      }
      connections_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    Command previous;
    std::array<char, 4096> chunk{};
    for (;;) {
      Command command;
      std::size_t used = 0;
      while (!parse(buffer, command, used)) {
        const ssize_t got = ::recv(fd, chunk.data(), chunk.size(), 0);
        if (got <= 0) {
          ::close(fd);
          return;
        }
        buffer.append(chunk.data(), static_cast<std::size_t>(got));
      }
      buffer.erase(0, used);
      std::string reply;
      {
        std::scoped_lock lock(mutex_);
        received_.push_back(command);
      }
      reply = handler_(command, previous);
      previous = command;
      if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) {
        ::close(fd);
        return;
      }
    }
  }

  // One RESP array of bulk strings from the front of `buffer`.
  static bool parse(const std::string& buffer, Command& command, std::size_t& used) {
    command.clear();
    std::size_t at = 0;
    const auto line = [&](std::string& out) {
      const auto end = buffer.find("\r\n", at);
      if (end == std::string::npos) return false;
      out = buffer.substr(at, end - at);
      at = end + 2;
      return true;
    };
    std::string header;
    if (!line(header) || header.empty() || header[0] != '*') return false;
    const int count = std::stoi(header.substr(1));
    for (int i = 0; i < count; ++i) {
      std::string size;
      if (!line(size) || size.empty() || size[0] != '$') return false;
      const auto length = static_cast<std::size_t>(std::stoul(size.substr(1)));
      if (buffer.size() < at + length + 2) return false;
      command.push_back(buffer.substr(at, length));
      at += length + 2;
    }
    used = at;
    return true;
  }

  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::vector<int> connections_;
  std::vector<std::thread> workers_;
  std::vector<Command> received_;
};

RedisClientOptions one_connection() {
  RedisClientOptions options;
  options.pool_size = 1;
  options.connect_timeout = std::chrono::milliseconds(500);
  options.command_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::shared_ptr<RedisClient> cluster_of(const std::string& seeds) {
  auto client = RedisClient::create_cluster(seeds, one_connection());
  EXPECT_TRUE(client) << client.error().message;
  return *client;
}

std::size_t count_of(const std::vector<Command>& commands, const Command& wanted) {
  return static_cast<std::size_t>(std::count(commands.begin(), commands.end(), wanted));
}

TEST(RedisCluster, MovedGoesToTheNewOwnerAndRefreshesTheMap) {
  std::atomic<int> owner_port{0};
  FakeNode b([&](const Command& command, const Command&) {
    if (command.front() == "CLUSTER") return slots_reply({{0, 16383, owner_port.load()}});
    return bulk("from b");
  });
  std::atomic<bool> moved{false};
  FakeNode a([&](const Command& command, const Command&) {
    if (command.front() == "CLUSTER") return slots_reply({{0, 16383, owner_port.load()}});
    moved = true;
    owner_port = b.port();  // the cluster's map says so from now on
    return error("MOVED 12182 " + b.address());
  });
  owner_port = a.port();
  auto client = cluster_of(a.address());

  auto first = client->command({"GET", "foo"});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->str, "from b");
  auto second = client->command({"GET", "bar"});  // another slot, also moved
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->str, "from b");

  EXPECT_TRUE(moved);
  EXPECT_EQ(a.received().size(), 1u) << "after MOVED the refreshed map sends everything to b";
  EXPECT_EQ(b.received(), (std::vector<Command>{{"GET", "foo"}, {"GET", "bar"}}));
  EXPECT_EQ(client->cluster()->refreshes(), 2u);
}

TEST(RedisCluster, AskSendsAskingFirstOnceAndKeepsTheMap) {
  FakeNode b([](const Command& command, const Command& previous) {
    if (command.front() == "ASKING") return std::string("+OK\r\n");
    // As Redis: a slot being imported is served only right after ASKING.
    if (previous != Command{"ASKING"}) return error("MOVED 12182 127.0.0.1:1");
    return bulk("migrated value");
  });
  std::atomic<int> asked{0};
  int a_port = 0;
  FakeNode a([&](const Command& command, const Command&) {
    if (command.front() == "CLUSTER") return slots_reply({{0, 16383, a_port}});
    if (asked++ == 0) return error("ASK 12182 " + b.address());
    return bulk("value at a");
  });
  a_port = a.port();
  auto client = cluster_of(a.address());

  auto migrating = client->command({"GET", "foo"});
  ASSERT_TRUE(migrating) << migrating.error().message;
  EXPECT_EQ(migrating->str, "migrated value");
  EXPECT_EQ(b.received(), (std::vector<Command>{{"ASKING"}, {"GET", "foo"}}));

  auto next = client->command({"GET", "foo"});
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->str, "value at a") << "ASK is for one command; the slot is still a's";
  EXPECT_EQ(client->cluster()->refreshes(), 1u);
}

TEST(RedisCluster, TryAgainAndClusterDownAreRetried) {
  std::atomic<int> calls{0};
  int a_port = 0;
  FakeNode a([&](const Command& command, const Command&) {
    if (command.front() == "CLUSTER") return slots_reply({{0, 16383, a_port}});
    switch (calls++) {
      case 0: return error("TRYAGAIN Multiple keys request during rehashing of slot");
      case 1: return error("CLUSTERDOWN The cluster is down");
      default: return bulk("ok");
    }
  });
  a_port = a.port();
  auto client = cluster_of(a.address());
  auto reply = client->command({"GET", "foo"});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(reply->str, "ok");
  EXPECT_EQ(count_of(a.received(), {"GET", "foo"}), 3u);
}

TEST(RedisCluster, ALostMasterIsReplacedFromAnotherNodesMap) {
  std::atomic<int> owner_port{0};
  const auto node = [&](std::string name) {
    return [&owner_port, name](const Command& command, const Command&) {
      if (command.front() == "CLUSTER") return slots_reply({{0, 16383, owner_port.load()}});
      return bulk(name);
    };
  };
  FakeNode a(node("a"));
  FakeNode b(node("b"));
  owner_port = a.port();
  auto client = cluster_of(a.address() + "," + b.address());
  ASSERT_EQ(client->command({"GET", "foo"})->str, "a");

  // a dies; its replica b is promoted and the cluster's map says so.
  a.stop();
  owner_port = b.port();
  auto after = client->command({"GET", "foo"});
  ASSERT_TRUE(after) << after.error().message;
  EXPECT_EQ(after->str, "b");
}

TEST(RedisCluster, EndlessRedirectsEndUnavailable) {
  int a_port = 0;
  int b_port = 0;
  FakeNode b([&](const Command&, const Command&) { return error("MOVED 12182 127.0.0.1:" + std::to_string(a_port)); });
  FakeNode a([&](const Command& command, const Command&) {
    if (command.front() == "CLUSTER") return slots_reply({{0, 16383, a_port}});
    return error("MOVED 12182 127.0.0.1:" + std::to_string(b_port));
  });
  a_port = a.port();
  b_port = b.port();
  auto client = cluster_of(a.address());
  auto reply = client->command({"GET", "foo"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, domain::ErrorCode::kUnavailable);
  EXPECT_NE(reply.error().message.find("MOVED"), std::string::npos) << reply.error().message;
}

TEST(RedisCluster, APipelineOverTwoNodesKeepsItsOrder) {
  int a_port = 0;
  int b_port = 0;
  const auto node = [&](std::string name) {
    return [&a_port, &b_port, name](const Command& command, const Command&) {
      // "bar" (5061) and "hello" (866) are a's; "foo" (12182) is b's.
      if (command.front() == "CLUSTER") return slots_reply({{0, 8191, a_port}, {8192, 16383, b_port}});
      return bulk(name + ":" + command[1]);
    };
  };
  FakeNode a(node("a"));
  FakeNode b(node("b"));
  a_port = a.port();
  b_port = b.port();
  auto client = cluster_of(b.address());
  const std::array<std::string_view, 2> bar{"GET", "bar"};
  const std::array<std::string_view, 2> foo{"GET", "foo"};
  const std::array<std::string_view, 2> hello{"GET", "hello"};
  const std::array<std::span<const std::string_view>, 3> commands{bar, foo, hello};
  auto replies = client->pipeline(commands);
  ASSERT_TRUE(replies) << replies.error().message;
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_EQ((*replies)[0].str, "a:bar");
  EXPECT_EQ((*replies)[1].str, "b:foo");
  EXPECT_EQ((*replies)[2].str, "a:hello");
}

TEST(RedisCluster, NoNodeAnsweringIsUnavailable) {
  int port = 0;
  {
    FakeNode gone([](const Command&, const Command&) { return std::string("+OK\r\n"); });
    port = gone.port();
  }
  auto client = cluster_of("127.0.0.1:" + std::to_string(port));
  auto reply = client->command({"GET", "foo"});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, domain::ErrorCode::kUnavailable);
}

TEST(RedisCluster, TheSeedListIsChecked) {
  auto two = parse_cluster_nodes("127.0.0.1:7000, redis-2:7001");
  ASSERT_TRUE(two) << two.error().message;
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].host, "redis-2");
  EXPECT_EQ((*two)[1].port, 7001);
  for (const std::string_view bad :
       {"", " , ", "redis-1", "redis-1:", ":7000", "redis-1:0", "redis-1:65536", "redis-1:70x"}) {
    auto parsed = parse_cluster_nodes(bad);
    ASSERT_FALSE(parsed) << "accepted '" << bad << "'";
    EXPECT_EQ(parsed.error().code, domain::ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.error().field, "redis.cluster_nodes");
  }
  EXPECT_FALSE(RedisClient::create_cluster("redis-1"));
}

}  // namespace
}  // namespace tastesync::infrastructure::redis
