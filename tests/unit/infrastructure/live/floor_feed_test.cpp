#include "infrastructure/live/floor_feed.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "mocks/in_memory_ports.h"

namespace tastesync::testing {
namespace {

domain::DomainEvent seated(const std::string& store, const std::string& customer, double confidence) {
  domain::DomainEvent event;
  event.type = domain::EventType::kCustomerSeated;
  event.store_id = store;
  event.customer_id = customer;
  event.zone_id = "table-1";
  event.confidence = confidence;
  return event;
}

// Collects what a listener got; wait_for returns once `count` arrived.
struct Inbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::string> customers;

  void add(const domain::DomainEvent& event) {
    std::scoped_lock lock(mutex);
    customers.push_back(event.customer_id);
    arrived.notify_all();
  }
  // A resync shows up in the list as "(resync)".
  void add_resync() {
    std::scoped_lock lock(mutex);
    customers.emplace_back("(resync)");
    arrived.notify_all();
  }
  std::vector<std::string> wait_for(std::size_t count) {
    std::unique_lock lock(mutex);
    arrived.wait_for(lock, std::chrono::seconds(10), [&] { return customers.size() >= count; });
    return customers;
  }
};

TEST(FloorFeed, PassesEventsOnAndDeliversEachStoreToItsWatchersOnly) {
  InMemoryEventPublisher next;
  infrastructure::live::FloorFeed feed(next);
  Inbox bistro;
  auto subscription = feed.subscribe("bistro", [&](const domain::DomainEvent& event) { bistro.add(event); }, {});
  ASSERT_TRUE(feed.publish({seated("cafe", "bob", 0.7), seated("bistro", "alice", 0.9)}));
  ASSERT_TRUE(feed.publish({seated("bistro", "carol", 0.6)}));
  EXPECT_EQ(bistro.wait_for(2), (std::vector<std::string>{"alice", "carol"}));
  EXPECT_EQ(next.published().size(), 3U);
}

TEST(FloorFeed, RemembersTheConfidenceOfThePlacementUntilTheCustomerLeaves) {
  InMemoryEventPublisher next;
  infrastructure::live::FloorFeed feed(next);
  ASSERT_TRUE(feed.publish({seated("bistro", "alice", 0.9)}));
  EXPECT_EQ(feed.placement_confidence("alice"), 0.9);
  domain::DomainEvent left = seated("bistro", "alice", 1.0);
  left.type = domain::EventType::kCustomerLeftStore;
  ASSERT_TRUE(feed.publish({left}));
  EXPECT_FALSE(feed.placement_confidence("alice"));
}

TEST(FloorFeed, NothingArrivesOnceTheSubscriptionIsGone) {
  InMemoryEventPublisher next;
  infrastructure::live::FloorFeed feed(next);
  Inbox gone;
  Inbox staying;
  auto watched = feed.subscribe("bistro", [&](const domain::DomainEvent& event) { staying.add(event); }, {});
  feed.subscribe("bistro", [&](const domain::DomainEvent& event) { gone.add(event); }, {}).reset();
  ASSERT_TRUE(feed.publish({seated("bistro", "alice", 0.9)}));
  staying.wait_for(1);  // delivered to the remaining watcher, so the feed has passed it
  std::scoped_lock lock(gone.mutex);
  EXPECT_TRUE(gone.customers.empty());
}

// Several instances: the pages hear what the ledger announces (every
// instance's commits), not what this process publishes, which would come
// twice (once published here, once announced).
TEST(FloorFeed, AnnouncedFanoutDeliversWhatIsAnnouncedNotWhatIsPublished) {
  InMemoryEventPublisher next;
  infrastructure::live::FloorFeed feed(next, infrastructure::live::FloorFeed::Fanout::kAnnounced);
  Inbox bistro;
  auto subscription = feed.subscribe("bistro", [&](const domain::DomainEvent& event) { bistro.add(event); }, {});
  ASSERT_TRUE(feed.publish({seated("bistro", "alice", 0.9)}));
  feed.announce(seated("bistro", "bob", 0.8));    // from another instance
  feed.announce(seated("bistro", "alice", 0.9));  // this instance's, announced by the ledger
  EXPECT_EQ(bistro.wait_for(2), (std::vector<std::string>{"bob", "alice"}));
  EXPECT_EQ(next.published().size(), 1U);
  EXPECT_EQ(feed.placement_confidence("bob"), 0.8);
}

TEST(FloorFeed, AResyncReachesEveryWatcherBeforeTheChangesThatFollow) {
  InMemoryEventPublisher next;
  infrastructure::live::FloorFeed feed(next, infrastructure::live::FloorFeed::Fanout::kAnnounced);
  Inbox bistro;
  Inbox cafe;
  auto watching_bistro = feed.subscribe(
      "bistro", [&](const domain::DomainEvent& event) { bistro.add(event); }, [&] { bistro.add_resync(); });
  auto watching_cafe = feed.subscribe(
      "cafe", [&](const domain::DomainEvent& event) { cafe.add(event); }, [&] { cafe.add_resync(); });
  feed.resync();
  feed.announce(seated("bistro", "alice", 0.9));
  EXPECT_EQ(bistro.wait_for(2), (std::vector<std::string>{"(resync)", "alice"}));
  EXPECT_EQ(cafe.wait_for(1), (std::vector<std::string>{"(resync)"}));
}

}  // namespace
}  // namespace tastesync::testing
