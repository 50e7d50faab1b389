#pragma once

// After the traffic: read the events topic to the end, and wait for the leave
// period to close every visit.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

namespace tastesync::chaos {

// Consumes the scenario's events topic from the beginning until every id in
// `expected` arrived, or until the outbox has no unsent row and nothing new
// arrived for 2 s, or nothing arrived for `stall` (at most 3 minutes in
// all); returns every event id consumed.
std::set<std::string> consume_events(const std::string& bootstrap, const std::string& postgres_url,
                                     const std::set<std::string>& expected, std::chrono::seconds stall);

// Customers the ledger still has in a visit, and customers GetStorePresence
// (asked through `channel`) still shows in the demo store.
std::set<std::string> present_customers(const std::string& postgres_url, const std::shared_ptr<grpc::Channel>& channel);

// Polls present_customers until it is empty or `deadline` passes; returns
// the last answer.
std::set<std::string> wait_for_leaves(const std::string& postgres_url, const std::shared_ptr<grpc::Channel>& channel,
                                      std::chrono::steady_clock::time_point deadline);

}  // namespace tastesync::chaos
