// The comparison form of an event (`fanlab run --events-compare`): every
// field of a deterministic run, and without the wall times of a real-time
// one.
#include "harness/event_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>

namespace fanlab::harness {
namespace {

namespace json = boost::json;

Event AnInvocation() {
  Event e;
  e.seq = 7;
  e.at = std::chrono::milliseconds(1234);
  e.service = "lambda";
  e.kind = "Invocation";
  e.resource = "worker";
  e.key = "req-1";
  e.detail = json::object{{"outcome", "success"},
                          {"cold", true},
                          {"durationMs", 12},
                          {"durationUs", 12345}};
  return e;
}

TEST(EventCompareForm, ADeterministicRunKeepsEveryField) {
  Event e = AnInvocation();
  EXPECT_EQ(e.ToCompareJson(/*deterministic=*/true), e.ToJson());
}

TEST(EventCompareForm, ARealTimeRunLeavesOutItsWallTimes) {
  json::object o = AnInvocation().ToCompareJson(/*deterministic=*/false);
  EXPECT_FALSE(o.contains("atMs"));
  const json::object& detail = o.at("detail").as_object();
  EXPECT_FALSE(detail.contains("durationMs"));
  EXPECT_FALSE(detail.contains("durationUs"));
  EXPECT_EQ(detail.at("outcome"), "success");
  EXPECT_EQ(detail.at("cold"), true);
  EXPECT_EQ(o.at("seq"), 7);
  EXPECT_EQ(o.at("key"), "req-1");
}

TEST(EventCompareForm, ARealTimeRunKeepsTheDurationsOfOtherEvents) {
  Event e;
  e.seq = 1;
  e.service = "sim";
  e.kind = "FaultFired";
  e.detail = json::object{{"durationMs", 5}};
  json::object o = e.ToCompareJson(/*deterministic=*/false);
  EXPECT_FALSE(o.contains("atMs"));
  EXPECT_EQ(o.at("detail").at("durationMs"), 5);
}

}  // namespace
}  // namespace fanlab::harness
